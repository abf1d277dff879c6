import { cpus, totalmem } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort, startStack, supervise } from '@smsgw/tool-run-local';
import { runBench } from './bench-client';

/**
 * `npm run bench`: the whole gateway (five processes, Redis state store, embedded S3) with the
 * SMSC simulator as a separate process, driven by smpp-bench. Prints one JSON line.
 */
const count = Number(process.env.BENCH_MESSAGES ?? 20_000);
const window = Number(process.env.BENCH_WINDOW ?? 200);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench:${randomBytes(4).toString('hex')}`;

const simPort = await freePort();
const sim = supervise({
  name: 'smsc-sim',
  entry: 'tools/smsc-sim/src/main.ts',
  args: ['--port', String(simPort), '--receipt-delay-ms', '0', '--window', '500', '--log-level', 'warn'],
  output: () => undefined,
});
const stack = await startStack({
  redisUrl,
  prefix,
  smsc: { host: '127.0.0.1', port: simPort, sessions: 2, window: 500 },
  clients: [{ systemId: 'bench', password: 'bench' }],
  extra: { streams: { batchSize: 500 }, ingress: { host: '127.0.0.1', window: 1000 }, journal: { maxAgeMs: 5_000 } },
  logFile: process.env.BENCH_LOG,
});
try {
  const summary = await runBench({ host: '127.0.0.1', port: stack.ingressPort, systemId: 'bench', password: 'bench', count, window });
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  console.log(JSON.stringify({ ...summary, window, machine }));
} finally {
  await stack.stop();
  await sim.stop();
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}
