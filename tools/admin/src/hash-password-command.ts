import { parseArgs } from 'node:util';
import { DEFAULT_SCRYPT, hashPassword, scryptParamsProblem } from '@smsgw/platform';

export const USAGE = `hash-password — the clients[].passwordHash of an SMPP password

  npm run hash-password                      prompts (no echo) when run in a terminal
  printf %s "$PW" | npm run -s hash-password reads it from stdin (one trailing newline dropped)
  npm run hash-password -- --ln 16           more cost (N = 2^ln; default ${DEFAULT_SCRYPT.ln}, r=${DEFAULT_SCRYPT.r}, p=${DEFAULT_SCRYPT.p})

Prints $scrypt$ln=…,r=…,p=…$salt$hash: put it in the config as passwordHash instead of password.`;

export interface PasswordSource {
  /** Asks twice on a terminal (no echo); undefined when the two differ. */
  prompt?: () => Promise<string | undefined>;
  /** Everything on stdin when it is not a terminal. */
  stdin: () => Promise<string>;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The whole command without the process: arguments and a password source in, output and exit code out. */
export async function hashPasswordCommand(args: string[], source: PasswordSource): Promise<CommandResult> {
  const fail = (code: number, stderr: string): CommandResult => ({ code, stdout: '', stderr });
  let values: { ln?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { ln: { type: 'string' }, help: { type: 'boolean' } } }));
  } catch (err) {
    return fail(2, `${(err as Error).message}\n\n${USAGE}`);
  }
  if (values.help) return { code: 0, stdout: USAGE, stderr: '' };
  const params = { ...DEFAULT_SCRYPT, ...(values.ln !== undefined ? { ln: Number(values.ln) } : {}) };
  const problem = scryptParamsProblem(params);
  if (problem) return fail(2, `--ln: ${problem}`);
  let password: string | undefined;
  if (source.prompt) {
    password = await source.prompt();
    if (password === undefined) return fail(1, 'the two passwords differ');
  } else {
    password = (await source.stdin()).replace(/\r?\n$/, '');
  }
  // SMPP v3.4 §4.1: password is a C-Octet String of at most 9 octets, so 8 characters.
  if (password.length < 1 || Buffer.byteLength(password) > 8) return fail(2, 'an SMPP password is 1 to 8 characters (bind_* carries at most 8 octets)');
  return { code: 0, stdout: await hashPassword(password, params), stderr: '' };
}
