import type { Command } from 'commander';
import { createApiClient, DEFAULT_URL, type ApiClient } from '../api-client';

/** The process as the commands see it: main.ts passes the real one, nothing here reads globals. */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Everything on stdin (a token or password piped in). */
  readStdin(): Promise<string>;
  /** Asks for a new password twice without echo; only when stdin is a terminal. */
  promptPassword?: () => Promise<string | undefined>;
  fetch?: typeof fetch;
}

/** A failure the command explains itself: printed as `smsgw: <message>`, exit `code`. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

export interface CommandContext {
  json: boolean;
  /** Prints the API's JSON as is with --json, else what `human` makes of it. */
  print<T>(body: T, human: (body: T) => string): void;
  api(): ApiClient;
}

/** Global options of the command being run: --url, then SMSGW_URL; --token, then SMSGW_TOKEN. */
export function contextOf(cmd: Command, io: CliIo): CommandContext {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const json = opts.json === true;
  return {
    json,
    print: (body, human) => io.stdout(json ? JSON.stringify(body, null, 2) : human(body)),
    api: () => createApiClient({ url: opts.url ?? io.env.SMSGW_URL ?? DEFAULT_URL, token: opts.token ?? io.env.SMSGW_TOKEN, fetch: io.fetch }),
  };
}

/** `/a/b` with each segment escaped: ids come from the command line. */
export const pathOf = (...segments: string[]) => segments.map((s) => `/${encodeURIComponent(s)}`).join('');

export const isoTime = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
