import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { streamNames } from '@smsgw/contracts';
import { commandsPerMessage, deleteByPrefix, redisCommandCalls, redisCpuSeconds, redisForkCpuSeconds } from '@smsgw/redis';
import { APPS, freePort, mergeConfig, pidOf, procActivity, procAgeSeconds, procRssBytes, REPO_ROOT, startStack, supervise, type App, type ProcActivity } from '@smsgw/tool-run-local';
import { runBench } from './bench-client';
import { startBenchRedis } from './bench-redis';
import { memorySeries, type MemorySample } from './memory-series';
import { summariseDir } from './profile-top';

/**
 * `npm run bench`: the whole gateway (five processes, Redis state store — or Aerospike with
 * `STATE_BACKEND=aerospike` and `AEROSPIKE_HOSTS` —, embedded S3) with the SMSC simulator as a
 * separate process, driven by smpp-bench. Prints one JSON line.
 * - `BENCH_PERSISTENCE`: the bench's own Redis with AOF `everysec` (default), `always`, `none`,
 *   or `external` (REDIS_URL as it is).
 * - `BENCH_RATE=5000`: offered load in submits/s (default: as fast as the window allows).
 * - `BENCH_SOAK_SECONDS=600`: run that long at BENCH_RATE and sample every process' RSS and the
 *   streams' lengths every BENCH_SAMPLE_SECONDS (default 30): `npm run bench:soak`.
 * - `BENCH_INSTANCES=sender=3,dlr-worker=2` runs several processes of an app (scaling runs).
 * - `cpuUsPerMsg.redisForks`: the CPU of Redis' forked processes that ended during the run — with
 *   AOF on, a rewrite each time the file has doubled (64 MB at first) —, per message. It runs on
 *   the same cores but is not in `gatewayCpuUsPerMsg` (add it for the full cost of the AOF).
 * - `redisCommandsPerMsg`: the commands Redis served per message by name (INFO commandstats),
 *   the calls scripts make included.
 * - `activityPerMsg`: per process (Linux /proc, every thread) and message, the CPU spent in the
 *   kernel (`kernelUs`), the read and write system calls (`syscalls`) and the times a thread
 *   went to sleep waiting (`wakeups`): below saturation a message costs more mostly because
 *   each process wakes up for fewer messages at a time.
 * - `BENCH_PROFILE=1`: every process runs with --cpu-prof; the summary gets each one's top
 *   functions by self time during the measured run and its split between our code,
 *   dependencies, Node and GC. `BENCH_PROFILE=<folder>` also keeps the `.cpuprofile` files there
 *   (to open in Chrome's DevTools).
 * - `BENCH_CONFIG='{"streams":{"readLingerMs":0}}'`: gateway config (JSON) merged over the
 *   bench's own, for A/B runs of a setting.
 * - The apps and the simulator run as in production, their bundles from dist/ (built first,
 *   `npm run build`); `BENCH_TSX=1` runs them from source through tsx instead, for comparison.
 */
const env = process.env;
const rate = env.BENCH_RATE ? positive('BENCH_RATE', env.BENCH_RATE) : undefined;
const soakSeconds = env.BENCH_SOAK_SECONDS ? positive('BENCH_SOAK_SECONDS', env.BENCH_SOAK_SECONDS) : undefined;
if (soakSeconds && !rate) throw new Error('BENCH_SOAK_SECONDS needs BENCH_RATE (the offered load to hold)');
const sampleSeconds = positive('BENCH_SAMPLE_SECONDS', env.BENCH_SAMPLE_SECONDS ?? '30');
const count = soakSeconds ? Math.round(rate! * soakSeconds) : Number(env.BENCH_MESSAGES ?? 20_000);
const window = Number(env.BENCH_WINDOW ?? 200);
const instances = parseInstances(env.BENCH_INSTANCES ?? '');
const prefix = `bench:${randomBytes(4).toString('hex')}`;
// Profiles are written when each process exits (the supervisor passes SMSGW_NODE_ARGS on).
const keepProfiles = env.BENCH_PROFILE && env.BENCH_PROFILE !== '1' && env.BENCH_PROFILE !== '0' ? env.BENCH_PROFILE : undefined;
if (keepProfiles) mkdirSync(keepProfiles, { recursive: true });
const profileDir = keepProfiles ?? (env.BENCH_PROFILE === '1' ? mkdtempSync(join(tmpdir(), 'smsgw-bench-prof-')) : undefined);
// The supervisor (and startStack's, through it) reads this for every process it starts.
const apps = env.BENCH_TSX === '1' ? 'tsx' : 'compiled';
env.SMSGW_COMPILED = apps === 'compiled' ? '1' : '0';
// Built here, not left to the npm script: a bench run straight through tsx never measures a
// dist/ older than the sources.
if (apps === 'compiled') execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'tools/run-local/src/build.ts')], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
if (profileDir) env.SMSGW_NODE_ARGS = `${env.SMSGW_NODE_ARGS ?? ''} --cpu-prof --cpu-prof-dir=${profileDir}`.trim();

const redis = await startBenchRedis(env.BENCH_PERSISTENCE ?? 'everysec', env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const simPort = await freePort();
const sim = supervise({
  name: 'smsc-sim',
  entry: 'tools/smsc-sim/src/main.ts',
  args: ['--port', String(simPort), '--receipt-delay-ms', '0', '--window', '500', '--log-level', 'warn'],
  output: () => undefined,
});
const stack = await startStack({
  redisUrl: redis.url,
  prefix,
  smsc: { host: '127.0.0.1', port: simPort, sessions: 2, window: 500 },
  clients: [{ systemId: 'bench', password: 'bench' }],
  instances,
  extra: benchConfig(env.BENCH_CONFIG),
  logFile: env.BENCH_LOG,
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
if (redis.pid) procs.push(['redis-server', { pid: redis.pid }]);
// One /proc reading of every process before and after the run: CPU, system calls, wakeups.
const activityOf = (): Map<string, ProcActivity | undefined> => new Map([...procs.map(([n, p]) => [n, procActivity(p.pid)] as const), ['smpp-bench', procActivity(process.pid)]]);
const cpuSecondsOf = (a: ProcActivity | undefined) => (a ? a.userSeconds + a.systemSeconds : 0);
const activityBefore = activityOf();
// Each process' age when the measured run starts and ends: its profile is cut to that window.
const ageAt = () => new Map(procs.map(([, p]) => [String(p.pid), procAgeSeconds(p.pid)]));
const agesBefore = ageAt();
const benchCpu0 = process.cpuUsage();
// Redis' own CPU (INFO cpu): the one server every stage shares.
const redisInfo = new Redis(redis.url);
const redisCpu = () => redisCpuSeconds(redisInfo);
const redisCpu0 = await redisCpu();
const redisForks0 = await redisForkCpuSeconds(redisInfo);
const redisCalls0 = await redisCommandCalls(redisInfo);
const names = streamNames(prefix);
const streams = [names.in, names.out('sim'), names.dlrIn, names.journal, names.dlr('bench')];
const sample = async (): Promise<MemorySample> => ({
  at: Date.now(),
  rss: Object.fromEntries(procs.map(([n, p]) => [n, procRssBytes(p.pid) ?? 0])),
  streams: Object.fromEntries(await Promise.all(streams.map(async (s) => [s.slice(prefix.length + 1), await redisInfo.xlen(s).catch(() => 0)] as const))),
});
const series = memorySeries();
const sampler = soakSeconds ? setInterval(() => void sample().then(series.add), sampleSeconds * 1000) : undefined;
try {
  series.add(await sample());
  const summary = await runBench({ host: '127.0.0.1', port: stack.ingressPort, systemId: 'bench', password: 'bench', count, window, rate });
  const agesAfter = ageAt();
  clearInterval(sampler);
  series.add(await sample());
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  // CPU per message of each process during the run: where the cost of a message goes.
  const cpuUsPerMsg: Record<string, number> = {};
  const activityAfter = activityOf();
  for (const [n] of procs) if (n !== 'redis-server') cpuUsPerMsg[n] = Math.round(((cpuSecondsOf(activityAfter.get(n)) - cpuSecondsOf(activityBefore.get(n))) * 1e6) / count);
  const b = process.cpuUsage(benchCpu0);
  const activityPerMsg = activityPerMessage(activityBefore, activityAfter, count);
  cpuUsPerMsg['smpp-bench'] = Math.round((b.user + b.system) / count);
  // INFO's figure counts the server's own threads (AOF fsync included) like /proc would.
  cpuUsPerMsg.redis = Math.round((((await redisCpu()) - redisCpu0) * 1e6) / count);
  // What Redis' forks (AOF rewrites) that ended during the run used: apart, and not in
  // gatewayCpuUsPerMsg, so that figure stays comparable with earlier runs.
  cpuUsPerMsg.redisForks = Math.round((((await redisForkCpuSeconds(redisInfo)) - redisForks0) * 1e6) / count);
  // Commands Redis served per message, scripts' own calls included (EVALSHA counts once more).
  const redisCommandsPerMsg = commandsPerMessage(redisCalls0, await redisCommandCalls(redisInfo), count);
  const gateway = APPS.reduce((n, app) => n + Object.entries(cpuUsPerMsg).filter(([k]) => k === app || k.startsWith(`${app}-`)).reduce((m, [, v]) => m + v, 0), 0) + cpuUsPerMsg.redis;
  const rssMiB = Object.fromEntries(Object.entries(series.last()!.rss).map(([n, v]) => [n, Math.round(v / 2 ** 20)]));
  const soak = soakSeconds ? { soak: { seconds: soakSeconds, sampleSeconds, ...series.report(60_000, 0.1) } } : {};
  const pids = new Map(procs.map(([n, p]) => [String(p.pid), n]));
  await stack.stop();
  await sim.stop();
  const profile = profileDir ? { profile: profilesByProcess(profileDir, pids, agesBefore, agesAfter) } : {};
  console.log(JSON.stringify({
    ...summary, window, instances, apps, backend: stack.state.backend, redis: { persistence: redis.persistence },
    cpuUsPerMsg, gatewayCpuUsPerMsg: gateway, redisCommandsPerMsg, activityPerMsg, rssMiB, ...soak, ...profile, machine,
  }));
} finally {
  clearInterval(sampler);
  // Stopped already after a run that got this far; a second stop is a no-op.
  await stack.stop().catch(() => undefined);
  await sim.stop();
  await deleteByPrefix(redisInfo, `${prefix}:`).catch(() => undefined);
  redisInfo.disconnect();
  await redis.stop();
}

/**
 * `CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile` of each process by its name in the summary:
 * the main thread (tid 0) as `<name>`, any other thread (tsx's module loader) as `<name>#<tid>`.
 * Only the samples of the measured run count (a profile starts with its process, within a few
 * milliseconds): start-up — module loading and compiling, a quarter of a 20,000-message run's
 * samples — and shutdown are left out.
 */
function profilesByProcess(dir: string, pids: Map<string, string>, from: Map<string, number | undefined>, to: Map<string, number | undefined>) {
  const windowOf = (file: string) => {
    const pid = file.split('.')[3] ?? '';
    const a = from.get(pid);
    const b = to.get(pid);
    return a === undefined || b === undefined ? undefined : { fromUs: a * 1e6, toUs: b * 1e6 };
  };
  const out: Record<string, ReturnType<typeof summariseDir>[string]> = {};
  for (const [file, s] of Object.entries(summariseDir(dir, REPO_ROOT, 10, windowOf))) {
    const [, , , pid = '', tid = '0'] = file.split('.');
    const name = pids.get(pid) ?? file;
    out[tid === '0' ? name : `${name}#${tid}`] = s;
  }
  if (!keepProfiles) rmSync(dir, { recursive: true, force: true });
  return out;
}

/** The bench's own config additions, with BENCH_CONFIG (a JSON object) merged over them. */
function benchConfig(json: string | undefined): Record<string, unknown> {
  const extra: Record<string, unknown> = { ingress: { host: '127.0.0.1' }, journal: { maxAgeMs: 5_000 } };
  if (!json) return extra;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new Error(`BENCH_CONFIG is not JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('BENCH_CONFIG must be a JSON object (gateway config)');
  mergeConfig(extra, parsed as Record<string, unknown>);
  return extra;
}

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: "${v}" is not a positive number`);
  return n;
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

/** Per process: kernel CPU µs, system calls and wakeups per message between two readings. */
function activityPerMessage(from: Map<string, ProcActivity | undefined>, to: Map<string, ProcActivity | undefined>, messages: number) {
  const out: Record<string, { kernelUs: number; syscalls: number; wakeups: number }> = {};
  const per = (n: number) => Math.round((n / messages) * 100) / 100;
  for (const [name, a] of from) {
    const z = to.get(name);
    if (!a || !z) continue;
    out[name] = {
      kernelUs: Math.round(((z.systemSeconds - a.systemSeconds) * 1e6) / messages),
      syscalls: per(z.readCalls - a.readCalls + z.writeCalls - a.writeCalls),
      wakeups: per(z.wakeups - a.wakeups),
    };
  }
  return out;
}
