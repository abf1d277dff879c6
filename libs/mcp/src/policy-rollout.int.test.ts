import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { createPolicyRollout, POLICY_HISTORY, PolicyConflictError, PolicyInvalidError, PolicyNotKeptError, validatePolicy } from './policy-rollout';

const segs = (max: number) => ({ rules: [{ type: 'max-segments', max }] });

describe('policy rollout store (real Redis)', () => {
  let ns: RedisNamespace;
  beforeEach(async () => {
    ns = await redisNamespace('policy-rollout');
  });
  afterEach(async () => ns.cleanup());

  it('versions count up from 1, each with its policy as given, who and when; the previous is handed back for the audit', async () => {
    const store = createPolicyRollout(ns.redis, ns.prefix);
    expect(await store.version()).toBe(0);
    expect(await store.current()).toBeNull();
    const first = await store.set({ rules: [{ type: 'duplicate-window', window: '10m' }] }, 'alice', { at: 1_000 });
    expect(first).toEqual({ before: null, after: { version: 1, policy: { rules: [{ type: 'duplicate-window', window: '10m' }] }, by: 'alice', at: 1_000 } });
    const second = await store.set(segs(2), 'bob', { at: 2_000, expectVersion: 1 });
    expect(second.before).toEqual(first.after);
    expect(second.after).toMatchObject({ version: 2, by: 'bob' });
    expect(await store.current()).toEqual(second.after);
    expect((await store.history()).versions.map((v) => [v.version, v.by])).toEqual([[2, 'bob'], [1, 'alice']]);
  });

  it('refuses a policy that does not validate, naming the field, and writes nothing', async () => {
    const store = createPolicyRollout(ns.redis, ns.prefix);
    const err = await store.set({ rules: [{ type: 'max-segments', max: 2 }, { type: 'no-such-rule' }] }, 'alice').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyInvalidError);
    expect((err as PolicyInvalidError).issues).toEqual(['policy.rules[1].type: must be one of content-deny, quiet-hours, frequency-cap, duplicate-window, max-segments, data-coding']);
    expect(await store.version()).toBe(0);
  });

  it('names the field of a rule whose type is right but whose settings are not, and unknown keys', () => {
    const bad = validatePolicy({ rules: [{ type: 'frequency-cap', max: 0, window: '1d' }], authorisation: {} });
    expect(bad).toEqual({ ok: false, issues: expect.arrayContaining(['policy.rules[0].max: Too small: expected number to be >=1', 'policy.authorisation: unknown key (misspelt, or not a setting of this section)']) });
    expect(validatePolicy({})).toMatchObject({ ok: true, policy: { rules: [], stages: { blacklist: true } } });
  });

  it('a stale expectVersion is refused (two operators editing at once): 0 means "none in Redis yet"', async () => {
    const store = createPolicyRollout(ns.redis, ns.prefix);
    await store.set(segs(1), 'alice', { expectVersion: 0 });
    const late = await store.set(segs(2), 'bob', { expectVersion: 0 }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(PolicyConflictError);
    expect((late as PolicyConflictError).current).toBe(1);
    expect(await store.version()).toBe(1);
    expect((await store.current())?.policy).toEqual(segs(1));
  });

  it(`keeps the version in force and the ${POLICY_HISTORY} before it`, async () => {
    const store = createPolicyRollout(ns.redis, ns.prefix);
    for (let i = 1; i <= POLICY_HISTORY + 5; i++) await store.set(segs(i), 'alice');
    const { current, versions } = await store.history();
    expect(current).toBe(POLICY_HISTORY + 5);
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: POLICY_HISTORY + 1 }, (_, i) => POLICY_HISTORY + 5 - i));
    expect(await store.get(4)).toBeNull();
    expect(await ns.redis.hlen(store.keys.rules)).toBe(POLICY_HISTORY + 2); // the versions and `version`
  });

  it('rollback re-publishes the previous (or a given) version as a new one: history stays linear', async () => {
    const store = createPolicyRollout(ns.redis, ns.prefix);
    await expect(store.rollback('carol')).rejects.toBeInstanceOf(PolicyConflictError); // nothing set yet
    await store.set(segs(1), 'alice');
    await expect(store.rollback('carol')).rejects.toThrow(/version 1 is the first one/);
    await store.set(segs(2), 'alice');
    await store.set(segs(3), 'bob');
    const back = await store.rollback('carol', { at: 5_000 });
    expect(back.before?.version).toBe(3);
    expect(back.after).toEqual({ version: 4, policy: segs(2), by: 'carol', at: 5_000, rollbackOf: 2 });
    const toFirst = await store.rollback('carol', { toVersion: 1 });
    expect(toFirst.after).toMatchObject({ version: 5, policy: segs(1), rollbackOf: 1 });
    await expect(store.rollback('carol', { toVersion: 5 })).rejects.toThrow(/the one in force/);
    await expect(store.rollback('carol', { toVersion: 99 })).rejects.toBeInstanceOf(PolicyNotKeptError);
    await expect(store.rollback('carol', { expectVersion: 4 })).rejects.toBeInstanceOf(PolicyConflictError);
    expect(await store.version()).toBe(5);
  });

  it('each policy-worker reports the version it applies; one silent for a day is forgotten', async () => {
    const store = createPolicyRollout(ns.redis, ns.prefix);
    const now = 100_000_000;
    await store.reportApplied('pw-1', { version: 3, at: now - 1_000 });
    await store.reportApplied('pw-2', { version: 2, at: now - 2_000, refused: 3, error: 'policy.rules[0].type: …' });
    await store.reportApplied('pw-old', { version: 1, at: now - 90_000_000 });
    expect(await store.applied(now)).toEqual([
      { instance: 'pw-1', version: 3, at: now - 1_000 },
      { instance: 'pw-2', version: 2, at: now - 2_000, refused: 3, error: 'policy.rules[0].type: …' },
    ]);
    expect(await ns.redis.hkeys(store.keys.applied)).not.toContain('pw-old');
  });
});
