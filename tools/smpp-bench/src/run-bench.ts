import { cpus, totalmem } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteByPrefix, redisCpuSeconds } from '@smsgw/redis';
import { freePort, pidOf, procCpuSeconds, startStack, supervise } from '@smsgw/tool-run-local';
import { runBench } from './bench-client';

/**
 * `npm run bench`: the whole gateway (five processes, Redis state store — or Aerospike with
 * `STATE_BACKEND=aerospike` and `AEROSPIKE_HOSTS` —, embedded S3) with the SMSC simulator as a
 * separate process, driven by smpp-bench. Prints one JSON line.
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
  extra: { ingress: { host: '127.0.0.1' }, journal: { maxAgeMs: 5_000 } },
  logFile: process.env.BENCH_LOG,
});
const procs: Array<readonly [string, { pid?: number }]> = [['smsc-sim', sim] as const, ...[...stack.procs].map(([n, p]) => [n, p] as const)];
if (stack.state.backend === 'aerospike') {
  const pid = pidOf('asd');
  if (pid) procs.push(['aerospike', { pid }]);
}
const before = new Map(procs.map(([n, p]) => [n, procCpuSeconds(p.pid) ?? 0]));
const benchCpu0 = process.cpuUsage();
// Redis' own CPU (INFO cpu): the one server every stage shares.
const redisInfo = new Redis(redisUrl);
const redisCpu = () => redisCpuSeconds(redisInfo);
const redisCpu0 = await redisCpu();
try {
  const summary = await runBench({ host: '127.0.0.1', port: stack.ingressPort, systemId: 'bench', password: 'bench', count, window });
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  // CPU per message of each process during the run: where the cost of a message goes.
  const cpuUsPerMsg: Record<string, number> = {};
  for (const [n, p] of procs) cpuUsPerMsg[n] = Math.round((((procCpuSeconds(p.pid) ?? 0) - before.get(n)!) * 1e6) / count);
  const b = process.cpuUsage(benchCpu0);
  cpuUsPerMsg['smpp-bench'] = Math.round((b.user + b.system) / count);
  cpuUsPerMsg.redis = Math.round((((await redisCpu()) - redisCpu0) * 1e6) / count);
  console.log(JSON.stringify({ ...summary, window, backend: stack.state.backend, cpuUsPerMsg, machine }));
} finally {
  await stack.stop();
  await sim.stop();
  await deleteByPrefix(redisInfo, `${prefix}:`);
  redisInfo.disconnect();
}
