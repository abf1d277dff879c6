import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePasswordHash, passwordHashSchema, verifyPassword } from '@smsgw/platform';
import { hashPasswordCommand } from './hash-password-command';

const piped = (s: string) => ({ stdin: async () => s });

describe('hash-password', () => {
  it('prints a PHC string for the password on stdin that the config accepts and verifies', async () => {
    const { code, stdout } = await hashPasswordCommand(['--ln', '10'], piped('s3cret\n'));
    expect(code).toBe(0);
    expect(passwordHashSchema.safeParse(stdout).success).toBe(true);
    expect(await verifyPassword('s3cret', parsePasswordHash(stdout))).toBe(true);
    expect(await verifyPassword('s3cret\n', parsePasswordHash(stdout))).toBe(false);
  });

  it('asks twice on a terminal and refuses when the two differ', async () => {
    const ok = await hashPasswordCommand(['--ln', '10'], { prompt: async () => 'pw', stdin: async () => 'unused' });
    expect(await verifyPassword('pw', parsePasswordHash(ok.stdout))).toBe(true);
    expect(await hashPasswordCommand([], { prompt: async () => undefined, stdin: async () => '' })).toMatchObject({ code: 1, stdout: '' });
  });

  it('refuses a password an SMPP bind cannot carry, a cost out of bounds, an unknown option', async () => {
    expect(await hashPasswordCommand([], piped('123456789'))).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('1 to 8 characters') });
    expect(await hashPasswordCommand([], piped(''))).toMatchObject({ code: 2, stdout: '' });
    expect(await hashPasswordCommand(['--ln', '40'], piped('pw'))).toMatchObject({ code: 2, stderr: '--ln: ln=40 is outside 10..20' });
    expect(await hashPasswordCommand(['--cost', '3'], piped('pw'))).toMatchObject({ code: 2, stdout: '' });
  });

  it('runs as `npm run hash-password` with the password piped in', async () => {
    const script = fileURLToPath(new URL('./hash-password.ts', import.meta.url));
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = execFile('npx', ['tsx', script, '--ln', '10'], (err, out) => (err ? reject(err) : resolve(out)));
      child.stdin!.end('pw\n');
    });
    expect(await verifyPassword('pw', parsePasswordHash(stdout.trim()))).toBe(true);
  }, 60_000);
});
