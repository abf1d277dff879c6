import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { hashAdminToken, MIN_ADMIN_TOKEN_LENGTH } from './config-admin';

const TOKEN = 'x'.repeat(MIN_ADMIN_TOKEN_LENGTH);
const HASH = hashAdminToken(TOKEN);
const admin = (tokens: string) => `admin: { tokens: [${tokens}] }`;

describe('admin: the admin API section', () => {
  it('defaults: loopback, port 9106, no tokens (only the probes and the OpenAPI document answer)', () => {
    expect(loadConfig({ text: '' }).admin).toEqual({ host: '127.0.0.1', port: 9106, tokens: [] });
    expect(loadConfig().admin.port).toBe(9106);
  });

  it('reads tokens with their role', () => {
    const cfg = loadConfig({ text: `admin: { host: 0.0.0.0, port: 9200, tokens: [{ name: ops-alice, tokenHash: "${HASH}", role: operator }] }` });
    expect(cfg.admin).toEqual({ host: '0.0.0.0', port: 9200, tokens: [{ name: 'ops-alice', tokenHash: HASH, role: 'operator' }] });
  });

  it('names the field of a bad role, a plaintext token, a duplicate, an unknown key', () => {
    expect(() => loadConfig({ text: admin(`{ name: a, tokenHash: "${HASH}", role: root }`) })).toThrow(/admin\.tokens\[0\]\.role/);
    expect(() => loadConfig({ text: admin(`{ name: a, tokenHash: "${TOKEN}", role: viewer }`) })).toThrow(/sha256:<64 lower-case hex digits>[\s\S]*admin\.tokens\[0\]\.tokenHash/);
    expect(() => loadConfig({ text: admin(`{ name: a, tokenHash: "${HASH}", role: viewer }, { name: a, tokenHash: "${hashAdminToken(TOKEN + 'y')}", role: admin }`) })).toThrow(
      /duplicate token name "a"[\s\S]*admin\.tokens\[1\]\.name/,
    );
    expect(() => loadConfig({ text: admin(`{ name: a, tokenHash: "${HASH}", role: viewer }, { name: b, tokenHash: "${HASH}", role: admin }`) })).toThrow(
      /listed twice[\s\S]*admin\.tokens\[1\]\.tokenHash/,
    );
    expect(() => loadConfig({ text: admin(`{ name: a, token: "${TOKEN}", tokenHash: "${HASH}", role: viewer }`) })).toThrow(/admin\.tokens\[0\]\.token\b/);
  });
});

describe('hashAdminToken', () => {
  it('is sha256:<hex> of the token', () => {
    expect(HASH).toBe(`sha256:${createHash('sha256').update(TOKEN).digest('hex')}`);
    expect(HASH).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it(`refuses a token shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters`, () => {
    expect(() => hashAdminToken(TOKEN.slice(1))).toThrow(/at least 24 characters/);
    expect(() => hashAdminToken('')).toThrow(/at least 24/);
  });
});
