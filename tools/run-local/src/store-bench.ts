import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { aggregatePartStates } from '@smsgw/domain';
import * as Aerospike from 'aerospike';
import { createRedis, deleteByPrefix, redisCommandCalls, redisCpuSeconds, type Redis } from '@smsgw/redis';
import { createStateStore, type StateStore } from '@smsgw/store';
import { pidOf, procCpuSeconds } from './proc-stats';

/**
 * `npm run bench:store`: the state store calls each app makes per message, on the Redis backend
 * and — when AEROSPIKE_HOSTS is set — on Aerospike, in one process, in read batches of 200 with
 * two batches at once (the stages' consumer settings):
 *   policy-worker  createMessage
 *   sender         recordSubmit (one part: SMSC id, correlation, SUBMITTED)
 *   dlr-worker     findCorrelation, recordPartFinal (moving the message to DELIVERED), incrementStats
 * then the same for two-part messages (BENCH_MULTIPART of them, default N/10): a submit and a
 * part-final per part, the second part's moving the message.
 * Prints one JSON line per backend: messages/s and store operations/s per stage, the CPU per
 * message of this process (the app's share) and of the server, and the server memory each
 * message takes while its records live. On Redis also the commands per message (INFO
 * commandstats: scripts, and every command, those the scripts run included) — exact only when
 * nothing else uses that Redis.
 */
const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const BATCH = 200;
const CONCURRENT_BATCHES = 2;
const MULTIPART = Number(process.env.BENCH_MULTIPART ?? Math.round(N / 10));
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Script calls and other commands (INFO commandstats over the masters, INFO itself left out). */
async function scriptsAndCommands(redis: Redis): Promise<{ scripts: number; commands: number }> {
  let scripts = 0;
  let commands = 0;
  for (const [name, calls] of Object.entries(await redisCommandCalls(redis))) {
    if (name === 'info') continue;
    if (name === 'evalsha' || name === 'eval') scripts += calls;
    else commands += calls;
  }
  return { scripts, commands };
}

interface ServerProbe {
  cpu: () => Promise<number>;
  /** Bytes of data the server holds. */
  memory: () => Promise<number>;
  calls?: () => Promise<{ scripts: number; commands: number }>;
}

interface Phase {
  stage: string;
  /** Parts of its messages: N one-part ones, or MULTIPART two-part ones. */
  parts: 1 | 2;
  messages: number;
  opsPerMsg: number;
  run: (i: number) => Promise<unknown>;
}

async function runPhases(store: StateStore, server: ServerProbe) {
  const ids = Array.from({ length: N }, () => randomUUID());
  const multiIds = Array.from({ length: MULTIPART }, () => randomUUID());
  const smscId = (i: number) => `b${i.toString(16)}`;
  const multiSmscId = (i: number, part: number) => `m${part}-${i.toString(16)}`;
  const whole = { of: aggregatePartStates };
  const day = new Date().toISOString().slice(0, 10);
  const phases: Phase[] = [
    {
      stage: 'policy-worker',
      parts: 1,
      messages: N,
      opsPerMsg: 1,
      run: (i) => store.createMessage({ id: ids[i]!, sys: 'bench', src: 'BENCH', dst: '447700900123', rd: 1, state: 'ROUTED', pool: 'sim', at: Date.now() }),
    },
    {
      stage: 'sender',
      parts: 1,
      messages: N,
      opsPerMsg: 1,
      run: (i) => store.recordSubmit(ids[i]!, { part: 0, parts: 1, smsc: 'sim', smscMsgId: smscId(i), at: Date.now() }),
    },
    {
      stage: 'dlr-worker',
      parts: 1,
      messages: N,
      opsPerMsg: 3,
      run: async (i) => {
        const corr = await store.findCorrelation('sim', smscId(i));
        if (!corr) throw new Error(`no correlation for ${smscId(i)}`);
        const part = await store.recordPartFinal(corr.id, corr.part, 'DELIVERED', { at: Date.now(), whole });
        if (!part.whole?.applied) throw new Error(`message ${corr.id} was final already`);
        await store.incrementStats(day, 'bench', 'sim', 'DELIVERED');
      },
    },
    {
      stage: 'policy-worker (2 parts)',
      parts: 2,
      messages: MULTIPART,
      opsPerMsg: 1,
      run: (i) => store.createMessage({ id: multiIds[i]!, sys: 'bench', src: 'BENCH', dst: '447700900124', rd: 1, state: 'ROUTED', pool: 'sim', at: Date.now() }),
    },
    {
      stage: 'sender (2 parts)',
      parts: 2,
      messages: MULTIPART,
      opsPerMsg: 2,
      run: async (i) => {
        for (const part of [0, 1]) await store.recordSubmit(multiIds[i]!, { part, parts: 2, smsc: 'sim', smscMsgId: multiSmscId(i, part), at: Date.now() });
      },
    },
    {
      stage: 'dlr-worker (2 parts)',
      parts: 2,
      messages: MULTIPART,
      opsPerMsg: 5,
      run: async (i) => {
        for (const p of [0, 1]) {
          const corr = await store.findCorrelation('sim', multiSmscId(i, p));
          if (!corr) throw new Error(`no correlation for ${multiSmscId(i, p)}`);
          const part = await store.recordPartFinal(corr.id, corr.part, 'DELIVERED', { at: Date.now(), whole });
          if (p === 1 && !part.whole?.applied) throw new Error(`message ${corr.id} did not move with its last part`);
        }
        await store.incrementStats(day, 'bench', 'sim', 'DELIVERED');
      },
    },
  ];
  const out: Record<string, unknown> = {};
  const mem0 = await server.memory();
  let bytesPerMessage: number | undefined;
  for (const p of phases) {
    if (p.parts === 2 && bytesPerMessage === undefined) {
      // What a one-part message keeps for ttlSeconds (record, correlation; stats are per day).
      bytesPerMessage = Math.round(((await server.memory()) - mem0) / N);
    }
    if (p.messages === 0) continue;
    const calls0 = await server.calls?.();
    const cpu0 = process.cpuUsage();
    const server0 = await server.cpu();
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      for (;;) {
        const start = next;
        if (start >= p.messages) return;
        next += BATCH;
        const batch = Array.from({ length: Math.min(BATCH, p.messages - start) }, (_, j) => p.run(start + j));
        await Promise.all(batch);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT_BATCHES }, worker));
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const serverCpuUs = ((await server.cpu()) - server0) * 1e6;
    const calls1 = await server.calls?.();
    out[p.stage] = {
      msgPerSec: Math.round(p.messages / secs),
      opsPerSec: Math.round((p.messages * p.opsPerMsg) / secs),
      appCpuUsPerMsg: Math.round((cpu.user + cpu.system) / p.messages),
      serverCpuUsPerMsg: Math.round(serverCpuUs / p.messages),
      ...(calls0 && calls1
        ? {
          scriptsPerMsg: +((calls1.scripts - calls0.scripts) / p.messages).toFixed(2),
          commandsPerMsg: +((calls1.commands - calls0.commands) / p.messages).toFixed(2),
        }
        : {}),
    };
  }
  const stats = await store.getStats(day, 'bench', 'sim');
  if ((stats.DELIVERED ?? 0) < N + MULTIPART) throw new Error(`stats counted ${stats.DELIVERED} of ${N + MULTIPART}`);
  return { stages: out, bytesPerMessage };
}

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version };

{
  const prefix = `bench-store:${randomBytes(4).toString('hex')}`;
  const redis = createRedis(redisUrl);
  try {
    const store = await createStateStore({ backend: 'redis', redis, prefix, ttlSeconds: 3600 });
    const used = async () => Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1] ?? 0);
    const { stages, bytesPerMessage } = await runPhases(store, { cpu: () => redisCpuSeconds(redis), memory: used, calls: () => scriptsAndCommands(redis) });
    console.log(JSON.stringify({ backend: 'redis', messages: N, multipart: MULTIPART, stages, bytesPerMessage, machine }));
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
    // The server's CPU is known only when it runs on this machine (process `asd`).
    const { stages, bytesPerMessage } = await runPhases(store, { cpu: async () => procCpuSeconds(asd) ?? 0, memory: nsBytes });
    console.log(JSON.stringify({ backend: 'aerospike', messages: N, multipart: MULTIPART, stages, bytesPerMessage, serverCpu: asd ? 'asd' : 'not local', machine }));
  } finally {
    info.close(false);
    await store.close();
  }
} else {
  console.log(JSON.stringify({ backend: 'aerospike', skipped: 'AEROSPIKE_HOSTS not set' }));
}
