import type { CommandName } from './commands';

/** An outgoing request got no response within responseTimeoutMs (§7.2 response_timer). */
export class SmppTimeoutError extends Error {
  override readonly name = 'SmppTimeoutError';
  constructor(
    readonly command: CommandName,
    readonly seq: number,
    readonly timeoutMs: number,
  ) {
    super(`no response to ${command} seq ${seq} within ${timeoutMs} ms`);
  }
}

/**
 * The session closed before a response arrived. Whether the peer acted on the request is
 * unknown (SMPP.md: "in doubt").
 */
export class SessionClosedError extends Error {
  override readonly name = 'SessionClosedError';
  constructor(message = 'SMPP session closed') {
    super(message);
  }
}

/** pino-compatible subset; every method takes a context object first. */
export interface SmppLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = () => {};
export const silentLogger: SmppLogger = { debug: noop, info: noop, warn: noop, error: noop };
