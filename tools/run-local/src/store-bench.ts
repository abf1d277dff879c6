import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { aggregatePartStates } from '@smsgw/domain';
import * as Aerospike from 'aerospike';
import { createRedis, deleteByPrefix, redisCpuSeconds } from '@smsgw/redis';
import { createStateStore, type StateStore } from '@smsgw/store';
import { pidOf, procCpuSeconds } from './proc-stats';

/**
 * `npm run bench:store`: the state store calls each app makes per message, on the Redis backend
 * and — when AEROSPIKE_HOSTS is set — on Aerospike, in one process, in read batches of 200 with
 * two batches at once (the stages' consumer settings):
 *   policy-worker  createMessage
 *   sender         recordSubmit (one part: SMSC id, correlation, SUBMITTED)
 *   dlr-worker     findCorrelation, recordPartFinal (moving the message to DELIVERED), incrementStats
 * Prints one JSON line per backend: messages/s and store operations/s per stage, the CPU per
 * message of this process (the app's share) and of the server, and the server memory each
 * message takes while its records live.
 */
const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const BATCH = 200;
const CONCURRENT_BATCHES = 2;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Phase {
  stage: string;
  opsPerMsg: number;
  run: (i: number) => Promise<unknown>;
}

async function runPhases(store: StateStore, serverCpu: () => Promise<number>) {
  const ids = Array.from({ length: N }, () => randomUUID());
  const smscId = (i: number) => `b${i.toString(16)}`;
  const day = new Date().toISOString().slice(0, 10);
  const phases: Phase[] = [
    {
      stage: 'policy-worker',
      opsPerMsg: 1,
      run: (i) => store.createMessage({ id: ids[i]!, sys: 'bench', src: 'BENCH', dst: '447700900123', rd: 1, state: 'ROUTED', pool: 'sim', at: Date.now() }),
    },
    {
      stage: 'sender',
      opsPerMsg: 1,
      run: (i) => store.recordSubmit(ids[i]!, { part: 0, parts: 1, smsc: 'sim', smscMsgId: smscId(i), at: Date.now() }),
    },
    {
      stage: 'dlr-worker',
      opsPerMsg: 3,
      run: async (i) => {
        const corr = await store.findCorrelation('sim', smscId(i));
        if (!corr) throw new Error(`no correlation for ${smscId(i)}`);
        const whole = { of: aggregatePartStates };
        const part = await store.recordPartFinal(corr.id, corr.part, 'DELIVERED', { at: Date.now(), whole });
        if (!part.whole?.applied) throw new Error(`message ${corr.id} was final already`);
        await store.incrementStats(day, 'bench', 'sim', 'DELIVERED');
      },
    },
  ];
  const out: Record<string, unknown> = {};
  for (const p of phases) {
    const cpu0 = process.cpuUsage();
    const server0 = await serverCpu();
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      for (;;) {
        const start = next;
        if (start >= N) return;
        next += BATCH;
        const batch = Array.from({ length: Math.min(BATCH, N - start) }, (_, j) => p.run(start + j));
        await Promise.all(batch);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT_BATCHES }, worker));
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    out[p.stage] = {
      msgPerSec: Math.round(N / secs),
      opsPerSec: Math.round((N * p.opsPerMsg) / secs),
      appCpuUsPerMsg: Math.round((cpu.user + cpu.system) / N),
      serverCpuUsPerMsg: Math.round((((await serverCpu()) - server0) * 1e6) / N),
    };
  }
  const stats = await store.getStats(day, 'bench', 'sim');
  if ((stats.DELIVERED ?? 0) < N) throw new Error(`stats counted ${stats.DELIVERED} of ${N}`);
  return out;
}

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version };

{
  const prefix = `bench-store:${randomBytes(4).toString('hex')}`;
  const redis = createRedis(redisUrl);
  try {
    const store = await createStateStore({ backend: 'redis', redis, prefix, ttlSeconds: 3600 });
    const used = async () => Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1] ?? 0);
    const mem0 = await used();
    const stages = await runPhases(store, () => redisCpuSeconds(redis));
    // What the store keeps per message for ttlSeconds (record, correlation; stats are per day).
    const bytesPerMessage = Math.round(((await used()) - mem0) / N);
    console.log(JSON.stringify({ backend: 'redis', messages: N, stages, bytesPerMessage, machine }));
  } finally {
    await deleteByPrefix(redis, `${prefix}:`);
    redis.disconnect();
  }
}

if (process.env.AEROSPIKE_HOSTS) {
  const asd = pidOf('asd');
  const store = await createStateStore({
    backend: 'aerospike',
    hosts: process.env.AEROSPIKE_HOSTS,
    namespace: process.env.AEROSPIKE_NAMESPACE ?? 'test',
    setPrefix: `b${randomBytes(4).toString('hex')}`,
    ttlSeconds: Number(process.env.AEROSPIKE_TTL ?? 3600),
  });
  // Namespace memory (primary index + data) from the node's info, for the bytes a message keeps.
  const info = await Aerospike.connect({ hosts: process.env.AEROSPIKE_HOSTS });
  const nsBytes = async () => {
    const kv = new Map((await info.infoAny(`namespace/${process.env.AEROSPIKE_NAMESPACE ?? 'test'}`)).trim().split(';').map((x) => x.split('=') as [string, string]));
    return Number(kv.get('index_used_bytes') ?? 0) + Number(kv.get('data_used_bytes') ?? 0);
  };
  try {
    const mem0 = await nsBytes();
    // The server's CPU is known only when it runs on this machine (process `asd`).
    const stages = await runPhases(store, async () => procCpuSeconds(asd) ?? 0);
    const bytesPerMessage = Math.round(((await nsBytes()) - mem0) / N);
    console.log(JSON.stringify({ backend: 'aerospike', messages: N, stages, bytesPerMessage, serverCpu: asd ? 'asd' : 'not local', machine }));
  } finally {
    info.close(false);
    await store.close();
  }
} else {
  console.log(JSON.stringify({ backend: 'aerospike', skipped: 'AEROSPIKE_HOSTS not set' }));
}
