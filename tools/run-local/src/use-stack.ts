import { afterAll, beforeAll, expect } from 'vitest';
import type { MessageState } from '@smsgw/contracts';
import { openStateStore } from '@smsgw/store';
import { redisNamespace, startSmscSim, type RedisNamespace, type SmscSim, type SmscSimOptions } from '@smsgw/testing';
import { freePort, startStack, type Stack, type StackOptions } from './stack';

export interface StackEnv {
  ns: RedisNamespace;
  sim: SmscSim;
  stack: Stack;
}

/**
 * For one describe block of an end-to-end suite: a Redis namespace, an SMSC simulator and the
 * five apps as processes (client `acme`/`acmepw` unless the options name others), torn down
 * after the block. The returned object is filled in before the first test runs.
 */
export function useStack(
  name: string,
  o: { sim?: SmscSimOptions; stack?: (sim: SmscSim) => Partial<StackOptions> | Promise<Partial<StackOptions>> } = {},
): StackEnv {
  const env = {} as StackEnv;
  beforeAll(async () => {
    env.ns = await redisNamespace(name);
    // A port outside the ephemeral range: tests that stop the simulator start it again on the same port.
    env.sim = await startSmscSim({ ...o.sim, port: o.sim?.port ?? (await freePort()) });
    env.stack = await startStack({
      redisUrl: env.ns.url,
      // REDIS_CLUSTER (see redisNamespace): the apps run on that cluster too.
      redisCluster: env.ns.target.cluster,
      prefix: env.ns.prefix,
      smsc: { host: '127.0.0.1', port: env.sim.port },
      clients: [{ systemId: 'acme', password: 'acmepw' }],
      logFile: process.env.E2E_LOG,
      ...(await o.stack?.(env.sim)),
    });
  }, 90_000);
  afterAll(async () => {
    await env.stack?.stop();
    await env.sim?.close();
    await env.ns?.cleanup();
  }, 60_000);
  return env;
}

/** Polls the running gateway's state store until the message is in `state` (a stage got to it), and asserts it. */
export async function reachesState(env: StackEnv, id: string, state: MessageState, timeoutMs = 20_000): Promise<void> {
  const store = await openStateStore(env.stack.state, env.ns.redis, env.ns.prefix);
  try {
    const end = Date.now() + timeoutMs;
    while ((await store.get(id))?.state !== state && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect((await store.get(id))?.state).toBe(state);
  } finally {
    await store.close();
  }
}
