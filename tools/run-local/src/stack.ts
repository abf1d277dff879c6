import { createServer } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import type { StateSection } from '@smsgw/store';
import { APPS, supervise, type App, type Supervised } from './supervisor';

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

/**
 * A port for an app to listen on a moment later. Taken below Linux's ephemeral range
 * (32768–60999): a port the kernel handed out there could become, before the app listens, the
 * local port of some outgoing connection (a Redis or SMPP client) — and the app would fail with
 * EADDRINUSE. Ports here are never given to outgoing connections.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port between 20000 and 32000');
}

export interface StackOptions {
  redisUrl: string;
  prefix: string;
  smsc: { host: string; port: number; sessions?: number; window?: number; throughput?: number };
  /** Client entries as in the config file (any `clients[]` option may be given). */
  clients: Array<{ systemId: string; password: string } & Record<string, unknown>>;
  /** Extra config deep-merged over the generated one (journal, dlr, streams…). */
  extra?: Record<string, unknown>;
  /** Extra options deep-merged into the generated SMSC entry (e.g. `text: { segmentation: 'sar' }`). */
  smscExtra?: Record<string, unknown>;
  /** S3 endpoint; absent: the exporter's embedded server on a free port. */
  s3Endpoint?: string;
  logLevel?: string;
  /** File that receives every app's output (debugging a failed run). */
  logFile?: string;
  apps?: readonly App[];
}

export interface Stack {
  /** The `state:` section the apps run with (see stackStateSection). */
  state: StateSection;
  ingressPort: number;
  httpPorts: Record<App, number>;
  s3: { endpoint: string; dir: string };
  procs: Map<App, Supervised>;
  configPath: string;
  /** Stops every app (SIGTERM) and starts them again on the same config; resolves once all are ready. */
  restart(): Promise<void>;
  /** Starts one app (again, after `procs.get(app).stop()`) on the same config; resolves once it is ready. */
  startApp(app: App): Promise<void>;
  stop(): Promise<void>;
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = await res.text();
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms: ${last}`);
}

function merge(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)) {
      merge(cur as Record<string, unknown>, v as Record<string, unknown>);
    } else into[k] = v;
  }
}

/**
 * The state store of a generated config: Redis, or Aerospike when `STATE_BACKEND=aerospike`
 * (with `AEROSPIKE_HOSTS`, `AEROSPIKE_NAMESPACE` default `test`) — so the end-to-end suites and
 * the bench run on either backend. Each stack gets its own Aerospike sets (SMSC ids and stats
 * keys of two runs never meet); their records expire by TTL.
 */
export function stackStateSection(env: NodeJS.ProcessEnv = process.env): StateSection {
  if (env.STATE_BACKEND !== 'aerospike') return { backend: 'redis', ttlSeconds: 3600 };
  if (!env.AEROSPIKE_HOSTS) throw new Error('STATE_BACKEND=aerospike needs AEROSPIKE_HOSTS (host:port of the Aerospike server)');
  return {
    backend: 'aerospike',
    ttlSeconds: Number(env.AEROSPIKE_TTL ?? 3600),
    aerospike: { hosts: env.AEROSPIKE_HOSTS, namespace: env.AEROSPIKE_NAMESPACE ?? 'test', setPrefix: `e${randomBytes(4).toString('hex')}` },
  };
}

/** Starts the five apps as separate processes on a generated config; resolves once all are ready. */
export async function startStack(o: StackOptions): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-stack-'));
  const ingressPort = await freePort();
  const httpPorts = {} as Record<App, number>;
  for (const app of APPS) httpPorts[app] = await freePort();
  const s3Port = await freePort();
  const s3Dir = join(dir, 's3');
  const config = {
    redis: { url: o.redisUrl, prefix: o.prefix },
    state: stackStateSection(),
    s3: o.s3Endpoint ? { endpoint: o.s3Endpoint } : { embedded: { dir: s3Dir, port: s3Port } },
    ingress: { host: '127.0.0.1', port: ingressPort },
    http: { host: '127.0.0.1', ports: httpPorts },
    log: { level: o.logLevel ?? 'warn' },
    clients: o.clients,
    smscs: [{ id: 'sim', host: o.smsc.host, port: o.smsc.port, systemId: 'gw', password: 'gw', sessions: o.smsc.sessions ?? 2, window: o.smsc.window ?? 200, throughput: o.smsc.throughput ?? 0, reconnectMinMs: 100 }],
    routes: [{ prefix: '', smscs: ['sim'] }],
  };
  merge(config.smscs[0] as Record<string, unknown>, o.smscExtra ?? {});
  merge(config, o.extra ?? {});
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(configPath, stringify(config));
  const log = o.logFile ? createWriteStream(o.logFile, { flags: 'a' }) : undefined;
  const procs = new Map<App, Supervised>();
  const startApp = async (app: App) => {
    procs.set(
      app,
      supervise({
        name: app,
        entry: `apps/${app}/src/main.ts`,
        env: { GATEWAY_CONFIG: configPath },
        restart: false,
        output: (line) => log?.write(`${line}\n`),
      }),
    );
    // Generous: on a loaded 2-core machine five tsx processes can take a while to come up.
    await waitReady(`http://127.0.0.1:${httpPorts[app]}/readyz`, 60_000);
  };
  const launch = async () => void (await Promise.all((o.apps ?? APPS).map(startApp)));
  const stopApps = async () => void (await Promise.allSettled([...procs.values()].map((p) => p.stop(10_000))));
  const stop = async () => {
    await stopApps();
    log?.end();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await launch();
  } catch (err) {
    await stop();
    throw err;
  }
  const restart = async () => {
    await stopApps();
    await launch();
  };
  return { state: config.state, ingressPort, httpPorts, restart, startApp, s3: { endpoint: o.s3Endpoint ?? `http://127.0.0.1:${s3Port}`, dir: s3Dir }, procs, configPath, stop };
}
