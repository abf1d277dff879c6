import { describe, expect, it } from 'vitest';
import { hashPassword, parsePasswordHash, passwordHashSchema, verifyPassword } from './index';

// Cheap parameters: these tests are about the format and the compare, not the cost.
const cheap = { ln: 10, r: 8, p: 1 };

describe('scrypt password hashes', () => {
  it('hashes into a PHC string the config schema accepts, and verifies only the right password', async () => {
    const phc = await hashPassword('s3cret', cheap);
    expect(phc).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(passwordHashSchema.safeParse(phc).success).toBe(true);
    const h = parsePasswordHash(phc);
    expect(await verifyPassword('s3cret', h)).toBe(true);
    expect(await verifyPassword('s3cret!', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    expect(await hashPassword('pw', cheap)).not.toBe(await hashPassword('pw', cheap));
  });

  it('runs the default cost (ln=15, r=8: 32 MiB) within Node\'s memory limit', async () => {
    const h = parsePasswordHash(await hashPassword('pw'));
    expect(h).toMatchObject({ ln: 15, r: 8, p: 1 });
    expect(await verifyPassword('pw', h)).toBe(true);
  });

  it('refuses hashes whose cost or sizes are out of bounds, naming the problem', () => {
    const salt = Buffer.alloc(16, 1).toString('base64');
    const hash = Buffer.alloc(32, 2).toString('base64');
    const issues = (s: string) => passwordHashSchema.safeParse(s).error?.issues.map((i) => i.message);
    expect(issues(`$scrypt$ln=30,r=8,p=1$${salt}$${hash}`)).toEqual(['ln=30 is outside 10..20']);
    expect(issues(`$scrypt$ln=15,r=8,p=1$${salt}$AAAA`)).toEqual(['hash must be 16..64 bytes, is 3']);
    expect(issues('plaintext')).toHaveLength(1);
    expect(() => parsePasswordHash('$scrypt$ln=15,r=0,p=1$' + salt + '$' + hash)).toThrow('r=0 is outside 1..32');
  });
});
