import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashTokenCommand } from './hash-token-command';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

describe('hash-token', () => {
  it('prints sha256:<hex> of the token on stdin, without its trailing newline', async () => {
    const token = 'k'.repeat(40);
    expect(await hashTokenCommand({}, async () => `${token}\n`)).toEqual({ code: 0, stdout: sha(token), stderr: '' });
  });

  it('refuses a short token', async () => {
    const res = await hashTokenCommand({}, async () => 'short\n');
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/at least 24 characters/);
  });

  it('--new: a random 64-hex-digit token and its hash', async () => {
    const res = await hashTokenCommand({ new: true }, async () => '');
    const m = /^token: +([0-9a-f]{64})\ntokenHash: (sha256:[0-9a-f]{64})$/.exec(res.stdout);
    expect(m).not.toBeNull();
    expect(m![2]).toBe(sha(m![1]!));
    expect((await hashTokenCommand({ new: true }, async () => '')).stdout).not.toBe(res.stdout);
  });
});
