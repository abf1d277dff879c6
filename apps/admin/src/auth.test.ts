import { describe, expect, it } from 'vitest';
import { hashAdminToken } from '@smsgw/platform';
import { createTokenVerifier, roleAtLeast } from './auth';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

describe('roles', () => {
  it('are ordered viewer < operator < admin', () => {
    expect(roleAtLeast('viewer', 'viewer')).toBe(true);
    expect(roleAtLeast('viewer', 'operator')).toBe(false);
    expect(roleAtLeast('operator', 'viewer')).toBe(true);
    expect(roleAtLeast('operator', 'admin')).toBe(false);
    expect(roleAtLeast('admin', 'operator')).toBe(true);
  });
});

describe('createTokenVerifier', () => {
  const verify = createTokenVerifier([
    { name: 'alice', tokenHash: hashAdminToken(A), role: 'admin' },
    { name: 'bob', tokenHash: hashAdminToken(B), role: 'viewer' },
  ]);

  it('knows a configured token from the Authorization header (scheme in any case)', () => {
    expect(verify(`Bearer ${A}`)).toEqual({ name: 'alice', role: 'admin' });
    expect(verify(`bearer ${B}`)).toEqual({ name: 'bob', role: 'viewer' });
  });

  it('refuses anything else', () => {
    for (const h of [undefined, '', 'Bearer', `Bearer ${A.slice(1)}`, `Basic ${A}`, `Bearer ${A} ${B}`, A]) expect(verify(h)).toBeUndefined();
  });

  it('refuses an empty bearer even when the hash of "" is configured', () => {
    const v = createTokenVerifier([{ name: 'empty', tokenHash: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', role: 'admin' }]);
    expect(v('Bearer ')).toBeUndefined();
    expect(v(undefined)).toBeUndefined();
  });
});
