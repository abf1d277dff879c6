import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisNamespace } from '../../testing/src/redis-namespace';
import { defineDynamicKeyCommand } from './dynamic-key-command';

type Echo = (numKeys: number, ...keysAndArgs: unknown[]) => Promise<unknown>;

describe('defineDynamicKeyCommand (the hot paths\' script calls)', () => {
  let ns: Awaited<ReturnType<typeof redisNamespace>>;
  beforeAll(async () => {
    ns = await redisNamespace('dyn-cmd');
  });
  afterAll(async () => {
    await ns.cleanup();
  });

  // A body no server has seen (its comment is new each run): the first call meets NOSCRIPT.
  const script = () => `-- ${randomUUID()}
redis.call('SET', KEYS[1], ARGV[1])
return {#KEYS, cjson.encode(ARGV), redis.call('GET', KEYS[1])}`;

  it('runs a script the server does not know yet (EVALSHA, then EVAL once), then by its SHA', async () => {
    const lua = script();
    const sha = createHash('sha1').update(lua).digest('hex');
    defineDynamicKeyCommand(ns.redis, 'testDynEcho', lua);
    const call = (ns.redis as unknown as { testDynEcho: Echo }).testDynEcho;
    const key = `${ns.prefix}:{a}:k`;
    expect(await call(1, key, 'first')).toEqual([1, '["first"]', 'first']);
    expect(await ns.redis.script('EXISTS', sha)).toEqual([1]);
    expect(await call(1, key, 'second')).toEqual([1, '["second"]', 'second']);
  });

  it('sends numbers as their text, Buffers as their bytes, null and undefined as empty, UTF-8 as is', async () => {
    defineDynamicKeyCommand(ns.redis, 'testDynArgs', script());
    const call = (ns.redis as unknown as { testDynArgs: Echo }).testDynArgs;
    const k1 = `${ns.prefix}:{b}:1`;
    const k2 = `${ns.prefix}:{b}:2`;
    const res = (await call(2, k1, k2, 'é✓', 42, 1.5, Buffer.from('buf'), null, undefined)) as [number, string, string];
    expect(res[0]).toBe(2);
    expect(JSON.parse(res[1])).toEqual(['é✓', '42', '1.5', 'buf', '', '']);
    expect(res[2]).toBe('é✓');
  });

  it('rejects with the script\'s error, and a second definition keeps the first', async () => {
    const lua = `-- ${randomUUID()}\nreturn redis.error_reply('NOPE ' .. ARGV[1])`;
    defineDynamicKeyCommand(ns.redis, 'testDynFail', lua);
    const first = (ns.redis as unknown as { testDynFail: Echo }).testDynFail;
    defineDynamicKeyCommand(ns.redis, 'testDynFail', 'return 1');
    expect((ns.redis as unknown as { testDynFail: Echo }).testDynFail).toBe(first);
    await expect(first(1, `${ns.prefix}:{c}:k`, 'why')).rejects.toThrow('NOPE why');
  });
});
