import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { policySchema } from '@smsgw/platform';
import { createPolicyRollout } from '@smsgw/mcp';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { createPolicySettings } from './policy-settings';
import { startPolicyWatch, type PolicyWatch } from './policy-watch';

const maxSegments = (resolve: ReturnType<ReturnType<typeof createPolicySettings>['resolver']>) => resolve('acme').maxSegments;

describe('policy watch: Redis versions over the config file (real Redis)', () => {
  let ns: RedisNamespace;
  let watch: PolicyWatch | undefined;
  beforeEach(async () => {
    ns = await redisNamespace('policy-watch');
  });
  afterEach(async () => {
    await watch?.close();
    await ns.cleanup();
  });

  it('a version set in Redis wins over the file and over SIGHUP; once it is gone, the file (as last reloaded) is in force again', async () => {
    const file = policySchema.parse({ rules: [{ type: 'max-segments', max: 5 }] });
    const settings = createPolicySettings(file);
    const rollout = createPolicyRollout(ns.redis, ns.prefix);
    // Set before the worker starts: the first read applies it, before any message is decided.
    await rollout.set({ rules: [{ type: 'max-segments', max: 2 }] }, 'alice');
    watch = await startPolicyWatch({ rollout, settings, filePolicy: file, instance: 'pw-1', logger: pino({ level: 'silent' }), pollMs: 20 });
    expect(watch.version).toBe(1);
    expect(maxSegments(settings.resolver())).toBe(2);
    expect(watch.fileReloaded(policySchema.parse({ rules: [{ type: 'max-segments', max: 7 }] }))).toBe('overridden');
    expect(maxSegments(settings.resolver())).toBe(2);
    await rollout.set({ rules: [{ type: 'max-segments', max: 3 }] }, 'alice');
    for (let i = 0; i < 200 && watch.version !== 2; i++) await sleep(10);
    expect(maxSegments(settings.resolver())).toBe(3);
    await ns.redis.del(rollout.keys.rules);
    for (let i = 0; i < 200 && watch.version !== 0; i++) await sleep(10);
    expect(maxSegments(settings.resolver())).toBe(7);
    expect(watch.fileReloaded(policySchema.parse({ rules: [{ type: 'max-segments', max: 9 }] }))).toBe('applied');
    expect(maxSegments(settings.resolver())).toBe(9);
    expect((await rollout.applied()).map((a) => [a.instance, a.version])).toEqual([['pw-1', 0]]);
  });
});
