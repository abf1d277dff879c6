/**
 * `npm run bench:policy`: one policy-worker (in this process) with all four MCP stages active —
 * registered senders, 1,000,000 global blacklist entries, content rule, max segments, duplicate
 * window, frequency cap, destination authorization and a daily quota — on N messages already
 * in `in`. Prints messages/s, CPU per message and Redis commands per message (INFO commandstats).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { pino } from 'pino';
import { GROUPS, streamNames, type InEntry } from '@smsgw/contracts';
import { createClientRouter } from '@smsgw/domain';
import { createAppMetrics, createMetricsRegistry, policySchema } from '@smsgw/platform';
import { createBlockingRedis, createDeferredQueue, createRedis, createStreamConsumer, deleteByPrefix, xaddEntry } from '@smsgw/redis';
import { createMcp, policyKeys } from '@smsgw/mcp';
import { createRedisStateStore } from '@smsgw/store';
import { createPolicyHandler } from './policy-handler';
import { createPolicySettings } from './policy-settings';

const N = Number(process.env.BENCH_MESSAGES ?? 50_000);
const BLACKLIST = Number(process.env.BENCH_BLACKLIST ?? 1_000_000);
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench-policy:${randomBytes(4).toString('hex')}`;
// One server (REDIS_URL): the command count below wraps its sendCommand.
const redis = createRedis(url) as import('ioredis').Redis;
const names = streamNames(prefix);
const keys = policyKeys(prefix);

// Commands this process sends (each script call counts once), vs. what Redis executes (script
// calls plus every command inside the scripts, INFO commandstats).
let sent = 0;
const send = redis.sendCommand.bind(redis);
redis.sendCommand = ((...args: Parameters<typeof send>) => {
  sent++;
  return send(...args);
}) as typeof redis.sendCommand;

const commandCalls = async () => {
  const info = await redis.info('commandstats');
  let total = 0;
  for (const m of info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) total += Number(m[1]);
  return total;
};

try {
  // 1,000,000 blacklisted numbers (none of them the bench's destinations, which start 4478).
  for (let i = 0; i < BLACKLIST; i += 10_000) {
    const members = Array.from({ length: Math.min(10_000, BLACKLIST - i) }, (_, j) => `4477${String(i + j).padStart(8, '0')}`);
    await redis.sadd(keys.list('blacklist'), ...members);
  }
  await redis.sadd(keys.list('senders', 'bench'), 'BENCH');
  const policy = policySchema.parse({
    registration: { senders: true },
    rules: [
      { type: 'content-deny', pattern: 'casino|lottery', flags: 'i' },
      { type: 'max-segments', max: 6 },
      { type: 'duplicate-window', window: '10m' },
      { type: 'frequency-cap', per: 'recipient', max: 1000, window: '1d' },
    ],
    authorization: { prefixes: ['44'], quota: { day: 100_000_000 } },
  });
  for (let i = 0; i < N; i += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, N - i) }, (_, j) => {
        const e: InEntry = {
          v: 1, id: randomUUID(), sys: 'bench',
          src: { ton: 5, npi: 0, addr: 'BENCH', norm: 'BENCH' },
          dst: { ton: 1, npi: 1, addr: `4478${String(i + j).padStart(8, '0')}`, norm: `4478${String(i + j).padStart(8, '0')}` },
          dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: Buffer.from(`Your code is ${i + j}`).toString('base64'), at: Date.now(),
        };
        return xaddEntry(redis, names.in, e);
      }),
    );
  }
  const store = createRedisStateStore({ redis, prefix });
  const settings = createPolicySettings(policy);
  const handler = createPolicyHandler({
    redis, store, names, logger: pino({ level: 'warn' }), metrics: createAppMetrics(createMetricsRegistry('policy-bench')),
    deferred: createDeferredQueue(redis, prefix, names.in),
    route: createClientRouter([{ prefix: '', smscs: ['sim'] }], []),
    policy: createMcp({ redis, keys, resolve: settings.resolver }),
  });
  const consumer = createStreamConsumer({
    redis, blocking: createBlockingRedis(url), stream: names.in, group: GROUPS.policy, consumer: 'bench',
    batchSize: 200, concurrency: 2, blockMs: 100, handler,
  });
  const calls0 = await commandCalls();
  const sent0 = sent;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await consumer.start();
  while ((await redis.xlen(names.out('sim'))) < N) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await consumer.stop();
  const polls = sent - sent0; // includes this loop's XLEN polls (subtracted below, roughly)
  const calls = (await commandCalls()) - calls0;
  console.log(JSON.stringify({
    messages: N,
    blacklist: BLACKLIST,
    seconds: Math.round(seconds * 1000) / 1000,
    perSec: Math.round(N / seconds),
    cpuUsPerMessage: Math.round((cpu.user + cpu.system) / N),
    redisCommandsSentPerMessage: Math.round(((polls - Math.ceil((seconds * 1000) / 20)) / N) * 100) / 100,
    redisCommandsExecutedPerMessage: Math.round((calls / N) * 100) / 100,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  }));
} finally {
  await deleteByPrefix(redis, `${prefix}:`);
  redis.disconnect();
}
