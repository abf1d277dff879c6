import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAdminToken, loadConfig } from '@smsgw/platform';
import { pingRedis } from '@smsgw/redis';
import { createRedisStateStore } from '@smsgw/store';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { createAdminServer, type AdminApp } from './admin-server';
import { bearer, TOKENS } from './admin-fixture';

let ns: RedisNamespace;
let app: AdminApp;
// 12:00 UTC = 08:00 in New York, inside its quiet hours below.
const NOW = Date.parse('2026-07-01T12:00:00Z');

beforeAll(async () => {
  ns = await redisNamespace('admin-route-test');
  const tokens = (['viewer', 'admin'] as const).map((role) => `{ name: ops-${role}, tokenHash: "${hashAdminToken(TOKENS[role])}", role: ${role} }`);
  // acme writes UK numbers nationally, and has a route of its own to France over an SMSC that
  // takes Latin-1 and the whole text in message_payload.
  const config = loadConfig({
    text: `
redis: { prefix: "${ns.prefix}" }
clients:
  - { systemId: acme, password: pw, defaultCountryCode: "44", routes: [{ prefix: "33", smscs: [fr], pool: france }] }
  - { systemId: beta, password: pw }
smscs:
  - { id: uk1, host: 127.0.0.1, port: 1, systemId: gw, password: gw }
  - { id: uk2, host: 127.0.0.1, port: 1, systemId: gw, password: gw }
  - { id: fr, host: 127.0.0.1, port: 1, systemId: gw, password: gw, text: { latin1: true, segmentation: payload } }
routes:
  - { prefix: "44", smscs: [uk1], backup: [uk2], pool: uk }
  - { prefix: "1", smscs: [uk1] }
policy:
  rules:
    - { type: content-deny, keywords: [casino] }
    - { type: quiet-hours, prefixes: ["1"], timezone: America/New_York, from: "07:00", to: "09:00", action: defer }
    - { type: max-segments, max: 3 }
admin: { tokens: [${tokens.join(', ')}] }
`,
  });
  const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
  app = await createAdminServer({ config, redis: ns.redis, store, now: () => NOW, checks: { redis: () => pingRedis(ns.redis, ns.target, 2_000) } });
});
afterAll(async () => {
  await app?.close();
  await ns?.cleanup();
});

const routeTest = (body: object, role: 'viewer' | null = 'viewer') => app.inject({ method: 'POST', url: '/v1/route-test', headers: role ? bearer(role) : {}, payload: body });
const verdicts = (b: { stages: Array<{ stage: string; verdict: string; reason?: string; status?: number }> }) => b.stages.map((s) => [s.stage, s.verdict, s.reason ?? null, s.status ?? null]);

describe('POST /v1/route-test: the dry run', () => {
  it('a message that passes: the route, pool, SMSC and backup; GSM 7-bit, one segment; a national number normalised as ingress would', async () => {
    const res = await routeTest({ client: 'acme', destination: '07700 900123', text: 'Your code is 1234', source: 'ACME' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      client: 'acme', destination: '07700 900123', normalisedDestination: '447700900123', source: 'ACME', dataCoding: 0, policyVersion: 0,
      stages: [
        { stage: 'registration', verdict: 'pass' },
        { stage: 'blacklist', verdict: 'pass' },
        { stage: 'business-rules', verdict: 'pass' },
        { stage: 'authorization', verdict: 'pass' },
        { stage: 'routing', verdict: 'pass' },
      ],
      allowed: true, pool: 'uk', smsc: 'uk1', smscs: ['uk1'], backup: ['uk2'],
      encoding: 'gsm7', smscDataCoding: 0, segmentation: 'udh8', segments: 1, bytes: 17,
    });
  });

  it('GSM 7-bit against UCS-2: 160/153 septets against 70/67 characters a segment', async () => {
    const seg = async (text: string) => {
      const b = (await routeTest({ client: 'beta', destination: '447700900123', text })).json();
      return [b.encoding, b.dataCoding, b.segments, b.bytes];
    };
    expect(await seg('a'.repeat(160))).toEqual(['gsm7', 0, 1, 160]);
    expect(await seg('a'.repeat(161))).toEqual(['gsm7', 0, 2, 161 + 2 * 6]);
    expect(await seg('ж'.repeat(70))).toEqual(['ucs2', 8, 1, 140]);
    expect(await seg('ж'.repeat(71))).toEqual(['ucs2', 8, 2, 142 + 2 * 6]);
  });

  it('uses the chosen SMSC\'s text options: Latin-1 and message_payload on acme\'s own French route', async () => {
    const b = (await routeTest({ client: 'acme', destination: '+33612345678', text: 'â'.repeat(200), dataCoding: 3 })).json();
    expect(b).toMatchObject({ normalisedDestination: '33612345678', pool: 'france', smsc: 'fr', encoding: 'latin1', smscDataCoding: 3, segmentation: 'payload', segments: 2, bytes: 200 });
    expect(b).not.toHaveProperty('backup');
    // Without dataCoding the client is taken to send UCS-2 (the text is not GSM), which the sender keeps.
    expect((await routeTest({ client: 'acme', destination: '+33612345678', text: 'â'.repeat(200) })).json()).toMatchObject({ dataCoding: 8, encoding: 'ucs2', segments: 3, bytes: 400 });
    // beta has no such route: the global "3…" route does not exist, so no route at all.
    const none = (await routeTest({ client: 'beta', destination: '33612345678', text: 'hi' })).json();
    expect(none).toMatchObject({ allowed: false, pool: null, smsc: null, smscs: [], encoding: 'gsm7', segments: 1 });
    expect(verdicts(none).at(-1)).toEqual(['routing', 'reject', 'no-route', 257]);
  });

  it('content-deny, max-segments (counted as the sender cuts the text) and quiet hours (defer) as the MCP decides them', async () => {
    const denied = (await routeTest({ client: 'beta', destination: '447700900123', text: 'Win at the Casino tonight' })).json();
    expect(denied.allowed).toBe(false);
    expect(verdicts(denied)).toEqual([
      ['registration', 'pass', null, null],
      ['blacklist', 'pass', null, null],
      ['business-rules', 'reject', 'content-denied', 221],
      ['authorization', 'skip', 'not reached', null],
      ['routing', 'skip', 'not reached', null],
    ]);
    const long = (await routeTest({ client: 'beta', destination: '447700900123', text: 'a'.repeat(153 * 3 + 1) })).json();
    expect(verdicts(long)[2]).toEqual(['business-rules', 'reject', 'too-many-segments', 225]);
    expect(long.segments).toBe(4);
    const quiet = (await routeTest({ client: 'beta', destination: '12125550100', text: 'hello' })).json();
    expect(quiet.allowed).toBe(false);
    expect(verdicts(quiet)[2]).toEqual(['business-rules', 'defer', 'quiet-hours until 2026-07-01T13:00:00.000Z', 222]);
  });

  it('a blacklist entry added through the API is a blacklist rejection', async () => {
    const added = await app.inject({ method: 'POST', url: '/v1/lists/blacklist', headers: bearer('admin'), payload: { entries: ['4477009009*'] } });
    expect(added.statusCode).toBe(200);
    const b = (await routeTest({ client: 'acme', destination: '07700900999', text: 'hello' })).json();
    expect(verdicts(b).slice(0, 3)).toEqual([
      ['registration', 'pass', null, null],
      ['blacklist', 'reject', 'destination-blacklisted', 211],
      ['business-rules', 'skip', 'not reached', null],
    ]);
  });

  it('follows a policy version published at run time, at once', async () => {
    const put = await app.inject({ method: 'PUT', url: '/v1/policy', headers: bearer('admin'), payload: { policy: { rules: [{ type: 'content-deny', keywords: ['hello'] }] } } });
    expect(put.json()).toEqual({ version: 1 });
    const b = (await routeTest({ client: 'beta', destination: '447700900123', text: 'hello there' })).json();
    expect(b.policyVersion).toBe(1);
    expect(verdicts(b)[2]).toEqual(['business-rules', 'reject', 'content-denied', 221]);
    // The file's casino rule is no longer in force.
    expect((await routeTest({ client: 'beta', destination: '447700900123', text: 'casino' })).json().allowed).toBe(true);
  });

  it('refuses what it cannot test: unknown client 404, a bad destination, source or coding 400, no token 401', async () => {
    expect((await routeTest({ client: 'nobody', destination: '447700900123', text: 'x' })).json()).toEqual({ error: 'not_found', message: 'no client "nobody"' });
    expect((await routeTest({ client: 'acme', destination: 'not-a-number', text: 'x' })).json()).toEqual({ error: 'invalid_request', message: 'destination: destination address is not numeric' });
    expect((await routeTest({ client: 'acme', destination: '447700900123', text: 'x', source: 'WAY-TOO-LONG-SENDER' })).statusCode).toBe(400);
    expect((await routeTest({ client: 'acme', destination: '447700900123', text: 'ж', dataCoding: 0 })).json()).toEqual({ error: 'invalid_request', message: 'text: has characters data_coding 0 cannot carry (use 8, UCS-2)' });
    expect((await routeTest({ client: 'acme', destination: '447700900123', text: 'x', dataCoding: 4 })).json().message).toMatch(/^dataCoding: 4 is not a text coding/);
    expect((await routeTest({ client: 'acme', text: 'x' })).json()).toMatchObject({ error: 'invalid_request', message: expect.stringContaining('body.destination') });
    expect((await routeTest({ client: 'acme', destination: '447700900123', text: 'x' }, null)).statusCode).toBe(401);
  });

  it('writes nothing to the journal', async () => {
    // The list change and the policy change above are audited; the route tests add nothing.
    const records = ((await ns.redis.xrange(`${ns.prefix}:journal`, '-', '+')) as [string, string[]][]).map(([, f]) => JSON.parse(f[1]!));
    expect(records.map((r) => [r.ev, r.action])).toEqual([['audit', 'list.add'], ['audit', 'policy.set']]);
  });
});
