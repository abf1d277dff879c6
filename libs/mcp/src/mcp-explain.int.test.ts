import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InEntry } from '@smsgw/contracts';
import { createPolicyResolver, emptyPolicySettings, type PolicySettings, type RouteDecision } from '@smsgw/domain';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { createMcp } from './mcp';
import { createPolicyExplainer } from './mcp-explain';
import { policyKeys } from './policy-keys';

let seq = 0;
const entry = (o: { dst?: string; text?: string } = {}): InEntry => ({
  v: 1, id: `x${++seq}`, sys: 'acme',
  src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' },
  dst: { ton: 1, npi: 1, addr: o.dst ?? '447700900001', norm: o.dst ?? '447700900001' },
  dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: Buffer.from(o.text ?? 'hello').toString('base64'), at: Date.now(),
});
const route: RouteDecision = { pool: 'sim', smscs: ['sim'] };
const NOW = Date.parse('2026-07-01T12:00:00Z');

describe('the MCP dry run (real Redis)', () => {
  let ns: RedisNamespace;
  beforeEach(async () => {
    ns = await redisNamespace('mcp-explain');
  });
  afterEach(async () => ns.cleanup());

  /** The worker's verdict and the dry run's, on the same settings. */
  const both = async (settings: PolicySettings, m: InEntry) => {
    const keys = policyKeys(ns.prefix);
    const resolve = createPolicyResolver(settings);
    const [worker] = await createMcp({ redis: ns.redis, keys, resolve: () => resolve, now: () => NOW })([{ entry: { ...m, id: `${m.id}-w` }, pool: route.pool }]);
    const dry = await createPolicyExplainer(ns.redis, keys)(m, route, resolve(m.sys), NOW);
    return { worker: worker!.pass ? 'pass' : worker!.reason, dry };
  };

  it('a rule change changes the worker and the dry run alike: they run the same stages', async () => {
    const m = entry({ text: 'win at the casino' });
    const before = await both(emptyPolicySettings(), m);
    expect(before.worker).toBe('pass');
    expect(before.dry.allowed).toBe(true);
    const after = await both({ ...emptyPolicySettings(), rules: [{ type: 'content-deny', pattern: 'casino', flags: 'i', keywords: [] }] }, m);
    expect(after.worker).toBe('content-denied');
    expect(after.dry).toEqual({
      allowed: false,
      stages: [
        { stage: 'registration', verdict: 'pass' },
        { stage: 'blacklist', verdict: 'pass' },
        { stage: 'business-rules', verdict: 'reject', reason: 'content-denied', status: 221 },
        { stage: 'authorization', verdict: 'skip', reason: 'not reached' },
        { stage: 'routing', verdict: 'skip', reason: 'not reached' },
      ],
    });
  });

  it('counting checks are asked, never counted: a cap reached shows, and nothing is written', async () => {
    const keys = policyKeys(ns.prefix);
    const settings: PolicySettings = {
      ...emptyPolicySettings(),
      rules: [{ type: 'frequency-cap', per: 'recipient', max: 1, window: 3_600_000 }, { type: 'duplicate-window', window: 600_000 }],
      authorization: { prefixes: [], pools: [], quota: { day: 5, month: 0, timezone: 'UTC' } },
    };
    const resolve = createPolicyResolver(settings);
    const explain = createPolicyExplainer(ns.redis, keys);
    const keysNow = async () => {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await ns.redis.scan(cursor, 'MATCH', `${ns.prefix}*`, 'COUNT', 1_000);
        found.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      return found.sort();
    };
    const m = entry();
    for (let i = 0; i < 3; i++) expect((await explain(m, route, resolve('acme'), NOW)).allowed).toBe(true);
    expect(await keysNow()).toEqual([]);
    // The worker counts one message to this recipient: the cap (max 1) is reached.
    await createMcp({ redis: ns.redis, keys, resolve: () => resolve, now: () => NOW })([{ entry: entry({ text: 'other' }), pool: 'sim' }]);
    const written = await keysNow();
    const counts = await Promise.all(written.map((k) => ns.redis.dump(k)));
    const dry = await explain(m, route, resolve('acme'), NOW);
    expect(dry.stages.map((s) => [s.stage, s.verdict, s.reason])).toEqual([
      ['registration', 'pass', undefined],
      ['blacklist', 'pass', undefined],
      ['business-rules', 'reject', 'frequency-cap'],
      ['authorization', 'skip', 'not reached'],
      ['routing', 'skip', 'not reached'],
    ]);
    expect(await keysNow()).toEqual(written);
    expect(await Promise.all(written.map((k) => ns.redis.dump(k)))).toEqual(counts);
  });

  it('a stage switched off is skipped; no route is a routing rejection', async () => {
    const keys = policyKeys(ns.prefix);
    const settings: PolicySettings = { ...emptyPolicySettings(), stages: { registration: false, blacklist: true, 'business-rules': true, authorization: true } };
    const dry = await createPolicyExplainer(ns.redis, keys)(entry(), null, createPolicyResolver(settings)('acme'), NOW);
    expect(dry).toEqual({
      allowed: false,
      stages: [
        { stage: 'registration', verdict: 'skip', reason: 'stage off' },
        { stage: 'blacklist', verdict: 'pass' },
        { stage: 'business-rules', verdict: 'pass' },
        { stage: 'authorization', verdict: 'pass' },
        { stage: 'routing', verdict: 'reject', reason: 'no-route', status: 257 },
      ],
    });
  });
});
