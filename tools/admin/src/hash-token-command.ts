import { randomBytes } from 'node:crypto';
import { hashAdminToken } from '@smsgw/platform';
import type { CommandResult } from './hash-password-command';

/**
 * `hash-token`: the admin.tokens[].tokenHash of an admin API token read from stdin (one trailing
 * newline dropped); with `--new`, a fresh random token (32 bytes, hex) and its hash.
 */
export async function hashTokenCommand(opts: { new?: boolean }, stdin: () => Promise<string>): Promise<CommandResult> {
  if (opts.new) {
    const token = randomBytes(32).toString('hex');
    return { code: 0, stdout: `token:     ${token}\ntokenHash: ${hashAdminToken(token)}`, stderr: '' };
  }
  const token = (await stdin()).replace(/\r?\n$/, '');
  try {
    return { code: 0, stdout: hashAdminToken(token), stderr: '' };
  } catch (err) {
    return { code: 2, stdout: '', stderr: (err as Error).message };
  }
}
