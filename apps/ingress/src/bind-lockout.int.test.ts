import { afterEach, describe, expect, it } from 'vitest';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { createBindLockout, lockoutAddress, lockoutKeys } from './bind-lockout';

const opts = { maxFailures: 3, windowMs: 10_000, lockoutMs: 1_000, maxLockoutMs: 3_000 };

describe('lockout address', () => {
  it('keeps IPv4 (mapped or not) and groups IPv6 by /64', () => {
    expect(lockoutAddress('203.0.113.9')).toBe('203.0.113.9');
    expect(lockoutAddress('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(lockoutAddress('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(lockoutAddress('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(lockoutAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(lockoutAddress('::1')).toBe('0:0:0:0::/64');
  });
  it('puts a pair\'s keys in one hash slot and escapes odd system_ids', () => {
    const k = lockoutKeys('p', 'a:b{c}', '10.0.0.1');
    expect(k.lock).toBe('p:bindlock:{a%3Ab%7Bc%7D|10.0.0.1}');
  });
});

describe('bind lockout (Redis)', () => {
  let ns: RedisNamespace | undefined;
  afterEach(async () => void (await ns?.cleanup()));

  it('locks a pair after maxFailures, doubles each repeat up to the cap, and leaves other pairs alone', async () => {
    ns = await redisNamespace('bind-lockout');
    const lock = createBindLockout(ns.redis, ns.prefix, opts);
    expect(await lock.lockedFor('acme', '10.0.0.1')).toBe(0);
    expect(await lock.failed('acme', '10.0.0.1')).toBe(0);
    expect(await lock.failed('acme', '10.0.0.1')).toBe(0);
    expect(await lock.failed('acme', '10.0.0.1')).toBe(1_000);
    expect(await lock.lockedFor('acme', '10.0.0.1')).toBeGreaterThan(500);
    expect(await lock.lockedFor('acme', '10.0.0.2')).toBe(0);
    expect(await lock.lockedFor('globex', '10.0.0.1')).toBe(0);
    // The next lockout of the same pair is twice as long, then capped.
    for (let i = 0; i < 2; i++) await lock.failed('acme', '10.0.0.1');
    expect(await lock.failed('acme', '10.0.0.1')).toBe(2_000);
    for (let i = 0; i < 2; i++) await lock.failed('acme', '10.0.0.1');
    expect(await lock.failed('acme', '10.0.0.1')).toBe(3_000);
    // Every key carries a TTL: nothing stays in Redis forever.
    await lock.failed('acme', '10.0.0.1');
    for (const k of Object.values(lockoutKeys(ns.prefix, 'acme', '10.0.0.1'))) expect(await ns.redis.pttl(k)).toBeGreaterThan(0);
  });

  it('a success clears the failure count', async () => {
    ns = await redisNamespace('bind-lockout');
    const lock = createBindLockout(ns.redis, ns.prefix, opts);
    await lock.failed('acme', '10.0.0.1');
    await lock.failed('acme', '10.0.0.1');
    await lock.succeeded('acme', '10.0.0.1');
    expect(await lock.failed('acme', '10.0.0.1')).toBe(0);
    expect(await lock.failed('acme', '10.0.0.1')).toBe(0);
    expect(await lock.failed('acme', '10.0.0.1')).toBe(1_000);
  });

  it('counts an IPv6 /64 as one address', async () => {
    ns = await redisNamespace('bind-lockout');
    const lock = createBindLockout(ns.redis, ns.prefix, opts);
    await lock.failed('acme', '2001:db8:1:2::1');
    await lock.failed('acme', '2001:db8:1:2::2');
    expect(await lock.failed('acme', '2001:db8:1:2:ffff::3')).toBe(1_000);
    expect(await lock.lockedFor('acme', '2001:db8:1:2::99')).toBeGreaterThan(0);
    expect(await lock.lockedFor('acme', '2001:db8:1:3::1')).toBe(0);
  });
});
