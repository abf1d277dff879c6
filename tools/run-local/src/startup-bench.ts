/**
 * Start time and memory of each app, its bundle (dist/, built first) against its source through
 * tsx: `npm run bench:startup [-- samples]`. One process at a time, on a quiet machine: time from
 * spawn to its /readyz answering 200, the CPU it used by then, and its RSS then and 3 s later.
 * Prints one JSON line with the medians (and the fastest start).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { redisNamespace } from '@smsgw/testing';
import { buildDist } from './build';
import { procCpuSeconds, procRssBytes } from './proc-stats';
import { freePort } from './stack';
import { APPS, supervise } from './supervisor';

const SAMPLES = Number(process.argv[2] ?? 3);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await buildDist();
const ns = await redisNamespace('startup-bench');
const dir = mkdtempSync(join(tmpdir(), 'smsgw-startup-bench-'));
const simPort = await freePort();
const httpPorts = Object.fromEntries(await Promise.all(APPS.map(async (app) => [app, await freePort()] as const)));
const config = join(dir, 'gateway.yaml');
writeFileSync(config, stringify({
  redis: { url: ns.url, prefix: ns.prefix },
  ingress: { host: '127.0.0.1', port: await freePort() },
  http: { host: '127.0.0.1', ports: httpPorts },
  s3: { embedded: { dir: join(dir, 's3'), port: await freePort() } },
  log: { level: 'warn' },
  clients: [{ systemId: 'demo', password: 'demo' }],
  smscs: [{ id: 'sim', host: '127.0.0.1', port: simPort, systemId: 'gw', password: 'gw' }],
  routes: [{ prefix: '', smscs: ['sim'] }],
}));
// The sender is ready once bound to its SMSC.
const sim = supervise({ name: 'smsc-sim', entry: 'tools/smsc-sim/src/main.ts', compiled: true, args: ['--host', '127.0.0.1', '--port', String(simPort), '--log-level', 'warn'], output: () => undefined });

type Sample = { readyMs: number; cpuS: number; rssMiB: number; rss3sMiB: number };
const results: Record<string, Record<'tsx' | 'compiled', Sample[]>> = {};
try {
  for (let i = 0; i < SAMPLES; i++) {
    for (const app of APPS) {
      for (const mode of ['tsx', 'compiled'] as const) {
        const t0 = performance.now();
        const p = supervise({ name: app, entry: `apps/${app}/src/main.ts`, compiled: mode === 'compiled', env: { GATEWAY_CONFIG: config }, output: () => undefined });
        for (;;) {
          if (await fetch(`http://127.0.0.1:${httpPorts[app]}/readyz`).then((r) => r.ok, () => false)) break;
          if (performance.now() - t0 > 60_000) throw new Error(`${app} (${mode}) not ready in 60 s`);
          await sleep(10);
        }
        const readyMs = performance.now() - t0;
        const cpuS = procCpuSeconds(p.pid) ?? NaN;
        const rssMiB = (procRssBytes(p.pid) ?? NaN) / 2 ** 20;
        await sleep(3_000);
        const rss3sMiB = (procRssBytes(p.pid) ?? NaN) / 2 ** 20;
        await p.stop();
        ((results[app] ??= { tsx: [], compiled: [] })[mode]).push({ readyMs, cpuS, rssMiB, rss3sMiB });
      }
    }
  }
  const summary = Object.fromEntries(Object.entries(results).map(([app, modes]) => [app, Object.fromEntries(Object.entries(modes).map(([mode, s]) => [mode, {
    readyMs: Math.round(median(s.map((x) => x.readyMs))),
    // The least disturbed sample: on a shared machine the median can carry someone else's load.
    readyMinMs: Math.round(Math.min(...s.map((x) => x.readyMs))),
    cpuS: median(s.map((x) => x.cpuS)),
    rssMiB: Math.round(median(s.map((x) => x.rssMiB))),
    rss3sMiB: Math.round(median(s.map((x) => x.rss3sMiB))),
    samples: s.map((x) => Math.round(x.readyMs)),
  }]))]));
  console.log(JSON.stringify({ samples: SAMPLES, node: process.version, apps: summary }));
} finally {
  await sim.stop();
  await ns.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
