import { afterAll, beforeAll } from 'vitest';
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
