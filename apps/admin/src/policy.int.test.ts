import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandJournalEntry } from '@smsgw/contracts';
import { createPolicyRollout } from '@smsgw/mcp';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { bearer, startAdmin, type AdminFixture } from './admin-fixture';

let ns: RedisNamespace;
let fx: AdminFixture;

beforeAll(async () => {
  ns = await redisNamespace('admin-policy');
  fx = await startAdmin(ns, 'policy: { rules: [{ type: max-segments, max: 3 }] }');
});
afterAll(async () => {
  await fx?.close();
  await ns?.cleanup();
});

type Role = 'viewer' | 'operator' | 'admin';
const call = (method: 'GET' | 'PUT' | 'POST', url: string, role: Role | null, payload?: unknown) =>
  fx.app.inject({ method, url, headers: role ? bearer(role) : {}, ...(payload === undefined ? {} : { payload: payload as object }) });
const audits = async () =>
  ((await ns.redis.xrange(fx.names.journal, '-', '+')) as [string, string[]][]).map(([, f]) => expandJournalEntry(JSON.parse(f[1]!))).filter((r) => r.ev === 'audit');
const caps = (max: number) => ({ rules: [{ type: 'frequency-cap', max, window: '1d' }] });

describe('policy rules at run time (admin API)', () => {
  it('GET /v1/policy: the file\'s rules while Redis holds no version, the reason codes, the effective routes', async () => {
    const res = await call('GET', '/v1/policy', 'viewer');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ source: 'file', version: 0, by: null, at: null, workers: [] });
    expect(body.policy.rules).toEqual([{ type: 'max-segments', max: 3 }]);
    expect(body.reasons['destination-blacklisted'].code).toBe(211);
    expect(body.routes).toEqual([
      { client: null, prefix: '44', pool: 'bulk', smscs: ['sim'], backup: [] },
      { client: null, prefix: '', pool: 'sim', smscs: ['sim'], backup: [] },
    ]);
    expect((await call('GET', '/v1/policy', null)).statusCode).toBe(401);
  });

  it('PUT: admins only; a policy that does not validate is refused naming the field; nothing is stored or audited', async () => {
    expect((await call('PUT', '/v1/policy', 'viewer', { policy: caps(1) })).statusCode).toBe(403);
    expect((await call('PUT', '/v1/policy', 'operator', { policy: caps(1) })).statusCode).toBe(403);
    const bad = await call('PUT', '/v1/policy', 'admin', { policy: { rules: [{ type: 'max-segments', max: 2 }, { type: 'max-segments', max: 4 }, { type: 'maximum-segments', max: 1 }] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: 'invalid_request', message: expect.stringMatching(/^policy\.rules\[2\]\.type: must be one of content-deny, /) });
    const window = await call('PUT', '/v1/policy', 'admin', { policy: { rules: [{ type: 'duplicate-window', window: '8d' }] } });
    expect(window.json().message).toBe('policy.rules[0].window: at most 7d');
    expect((await call('PUT', '/v1/policy', 'admin', { policy: 'rules' })).json().error).toBe('invalid_request');
    expect((await call('PUT', '/v1/policy', 'admin', {})).statusCode).toBe(400);
    expect(await createPolicyRollout(ns.redis, ns.prefix).version()).toBe(0);
    expect(await audits()).toEqual([]);
  });

  it('PUT stores version 1 (who, when), which then wins over the file; a stale expectVersion is a 409', async () => {
    const res = await call('PUT', '/v1/policy', 'admin', { policy: caps(5), expectVersion: 0 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ version: 1 });
    const shown = (await call('GET', '/v1/policy', 'viewer')).json();
    expect(shown).toMatchObject({ source: 'redis', version: 1, by: 'ops-admin', policy: caps(5) });
    expect(typeof shown.at).toBe('number');
    const late = await call('PUT', '/v1/policy', 'admin', { policy: caps(6), expectVersion: 0 });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ error: 'conflict', message: expect.stringContaining('the policy is at version 1') });
    expect((await call('PUT', '/v1/policy', 'admin', { policy: caps(7), expectVersion: 1 })).json()).toEqual({ version: 2 });
  });

  it('each change is audited with the whole new version and what was in force before, as an mcp-bucket record', async () => {
    const [first, second] = await audits();
    expect(first).toMatchObject({
      bucket: 'mcp', ev: 'audit', action: 'policy.set', target: 'policy', who: 'ops-admin', role: 'admin',
      before: { source: 'file', policy: { rules: [{ type: 'max-segments', max: 3 }] } },
      after: { version: 1, policy: caps(5), by: 'ops-admin' },
    });
    expect(second).toMatchObject({ bucket: 'mcp', action: 'policy.set', before: { version: 1, policy: caps(5) }, after: { version: 2, policy: caps(7) } });
    expect(Object.keys(second!.after as object).sort()).toEqual(['at', 'by', 'policy', 'version']);
  });

  it('history (viewer): the versions kept, newest first', async () => {
    const res = await call('GET', '/v1/policy/history', 'viewer');
    expect(res.statusCode).toBe(200);
    expect(res.json().current).toBe(2);
    expect(res.json().versions.map((v: { version: number; policy: unknown }) => [v.version, v.policy])).toEqual([[2, caps(7)], [1, caps(5)]]);
  });

  it('rollback (admin): the previous version, or a given one, published again as a new version and audited', async () => {
    expect((await call('POST', '/v1/policy/rollback', 'viewer', {})).statusCode).toBe(403);
    expect((await call('POST', '/v1/policy/rollback', 'operator')).statusCode).toBe(403);
    const back = await call('POST', '/v1/policy/rollback', 'admin');
    expect(back.statusCode).toBe(200);
    expect(back.json()).toEqual({ version: 3, rollbackOf: 1 });
    expect((await call('GET', '/v1/policy', 'viewer')).json()).toMatchObject({ version: 3, policy: caps(5), rollbackOf: 1 });
    expect((await call('POST', '/v1/policy/rollback', 'admin', { version: 2 })).json()).toEqual({ version: 4, rollbackOf: 2 });
    expect((await call('POST', '/v1/policy/rollback', 'admin', { version: 99 })).json()).toMatchObject({ error: 'not_found' });
    expect((await call('POST', '/v1/policy/rollback', 'admin', { version: 4 })).json()).toMatchObject({ error: 'conflict' });
    expect((await call('POST', '/v1/policy/rollback', 'admin', { version: 0 })).statusCode).toBe(400);
    expect((await audits()).slice(-2).map((a) => [a.action, (a.before as { version: number }).version, a.after])).toEqual([
      ['policy.rollback', 2, expect.objectContaining({ version: 3, policy: caps(5), rollbackOf: 1 })],
      ['policy.rollback', 3, expect.objectContaining({ version: 4, policy: caps(7), rollbackOf: 2 })],
    ]);
  });

  it('shows the version each policy-worker reports, stale when it has not reported for a while', async () => {
    const rollout = createPolicyRollout(ns.redis, ns.prefix);
    await rollout.reportApplied('pw-a', { version: 4, at: Date.now() });
    await rollout.reportApplied('pw-b', { version: 3, at: Date.now() - 60_000, refused: 4, error: 'policy.rules[0]: …' });
    const { workers } = (await call('GET', '/v1/policy', 'viewer')).json();
    expect(workers).toEqual([
      { instance: 'pw-a', version: 4, at: expect.any(Number), stale: false, current: true },
      { instance: 'pw-b', version: 3, at: expect.any(Number), refused: 4, error: 'policy.rules[0]: …', stale: true, current: false },
    ]);
  });
});
