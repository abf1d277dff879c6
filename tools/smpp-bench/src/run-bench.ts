import { cpus, totalmem } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteByPrefix, redisCpuSeconds } from '@smsgw/redis';
import { APPS, freePort, pidOf, procCpuSeconds, startStack, supervise, type App } from '@smsgw/tool-run-local';
import { runBench } from './bench-client';

/**
 * `npm run bench`: the whole gateway (five processes, Redis state store — or Aerospike with
 * `STATE_BACKEND=aerospike` and `AEROSPIKE_HOSTS` —, embedded S3) with the SMSC simulator as a
 * separate process, driven by smpp-bench. Prints one JSON line.
 * `BENCH_INSTANCES=sender=3,dlr-worker=2` runs several processes of an app (scaling runs).
 */
const count = Number(process.env.BENCH_MESSAGES ?? 20_000);
const window = Number(process.env.BENCH_WINDOW ?? 200);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const instances = parseInstances(process.env.BENCH_INSTANCES ?? '');
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
  instances,
  extra: { ingress: { host: '127.0.0.1' }, journal: { maxAgeMs: 5_000 } },
  logFile: process.env.BENCH_LOG,
});
// Every instance of every app: `sender`, `sender-2`, … (CPU counted per process).
const procs: Array<readonly [string, { pid?: number }]> = [
  ['smsc-sim', sim] as const,
  ...APPS.flatMap((app) => stack.instances(app).map((i) => [i.index ? `${app}-${i.index + 1}` : app, i.proc] as const)),
];
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
  console.log(JSON.stringify({ ...summary, window, instances, backend: stack.state.backend, cpuUsPerMsg, machine }));
} finally {
  await stack.stop();
  await sim.stop();
  await deleteByPrefix(redisInfo, `${prefix}:`);
  redisInfo.disconnect();
}

/** `sender=3,dlr-worker=2` → { sender: 3, 'dlr-worker': 2 }; an unknown app or a bad count stops the bench. */
function parseInstances(spec: string): Partial<Record<App, number>> {
  const out: Partial<Record<App, number>> = {};
  for (const part of spec.split(',').map((x) => x.trim()).filter(Boolean)) {
    const [app, n] = part.split('=');
    const count = Number(n);
    if (!(APPS as readonly string[]).includes(app!) || !Number.isInteger(count) || count < 1 || count > 8) {
      throw new Error(`BENCH_INSTANCES: "${part}" is not <app>=<1..8> with app one of ${APPS.join(', ')}`);
    }
    out[app as App] = count;
  }
  return out;
}
