import { createServer } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import type { StateSection } from '@smsgw/store';
import { startEmbeddedS3, type EmbeddedS3 } from '@smsgw/s3';
import { ADMIN_ROLES, hashAdminToken, type AdminRole } from '@smsgw/platform';
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

/** The admin API tokens of a stack started with `admin: true`, one per role (tokens are named `e2e-<role>`). */
export const STACK_ADMIN_TOKENS: Record<AdminRole, string> = {
  viewer: 'e2e-viewer-token-0123456789abcdef',
  operator: 'e2e-operator-token-0123456789abcdef',
  admin: 'e2e-admin-token-0123456789abcdef',
};

export interface StackOptions {
  redisUrl: string;
  /** Seed nodes of a Redis Cluster: the apps get `redis: { cluster }` and `redisUrl` is not used. */
  redisCluster?: readonly string[];
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
  /** Also run the admin API (apps/admin) as a process, with one token per role (STACK_ADMIN_TOKENS). */
  admin?: boolean;
  /**
   * Processes per app (default 1 each): each instance its own process with its own HTTP port,
   * INSTANCE_ID (`<app>-<n>`) and, for ingress, SMPP port. Several exporters share an S3 server
   * run in this process (the embedded one lives in an exporter, which a test may kill).
   */
  instances?: Partial<Record<App, number>>;
}

/** One running process of an app. */
export interface StackInstance {
  app: App;
  /** 0-based; instance 0 is the one `procs`, `httpPorts` and `ingressPort` name. */
  index: number;
  instanceId: string;
  httpPort: number;
  /** The SMPP port (ingress only). */
  ingressPort?: number;
  proc: Supervised;
}

export interface Stack {
  /** The `state:` section the apps run with (see stackStateSection). */
  state: StateSection;
  /** The SMPP port of the first ingress instance. */
  ingressPort: number;
  /** The SMPP port of every ingress instance, by index. */
  ingressPorts: number[];
  /** The HTTP port of each app's first instance. */
  httpPorts: Record<App, number>;
  s3: { endpoint: string; dir: string };
  /** Each app's first instance; `instances(app)` lists them all. */
  procs: Map<App, Supervised>;
  /** The admin API's base URL (`http://127.0.0.1:<port>`) when started with `admin: true`. */
  adminUrl?: string;
  /** Every running instance of an app (the current process of each, after a restart). */
  instances(app: App): StackInstance[];
  configPath: string;
  /** Stops every app (SIGTERM) and starts them again on the same config; resolves once all are ready. */
  restart(): Promise<void>;
  /** Starts one app's instance (again, after its `proc.stop()`/`kill()`) on the same config; resolves once it is ready. */
  startApp(app: App, index?: number): Promise<void>;
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

/** Merges `from` into `into`, object by object (arrays and values replace). */
export function mergeConfig(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)) {
      mergeConfig(cur as Record<string, unknown>, v as Record<string, unknown>);
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
  const count = (app: App) => Math.max(1, o.instances?.[app] ?? 1);
  // Nothing listens on a port between its pick and its app's start: never pick one twice.
  const picked = new Set<number>();
  const pickPort = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (!picked.has(port)) return picked.add(port), port;
    }
  };
  const ingressPorts: number[] = [];
  for (let i = 0; i < count('ingress'); i++) ingressPorts.push(await pickPort());
  const ingressPort = ingressPorts[0]!;
  const instanceHttpPorts = {} as Record<App, number[]>;
  for (const app of APPS) {
    instanceHttpPorts[app] = [];
    for (let i = 0; i < count(app); i++) instanceHttpPorts[app].push(await pickPort());
  }
  const httpPorts = Object.fromEntries(APPS.map((app) => [app, instanceHttpPorts[app][0]!])) as Record<App, number>;
  const adminPort = o.admin ? await pickPort() : undefined;
  const s3Port = await pickPort();
  const s3Dir = join(dir, 's3');
  // Several exporters: one S3 server here that outlives any of them.
  let sharedS3: EmbeddedS3 | undefined;
  if (!o.s3Endpoint && count('journal-exporter') > 1) sharedS3 = await startEmbeddedS3({ dir: s3Dir, port: s3Port, host: '127.0.0.1' });
  const s3Endpoint = o.s3Endpoint ?? sharedS3?.endpoint;
  const config = {
    redis: o.redisCluster?.length ? { cluster: [...o.redisCluster], prefix: o.prefix } : { url: o.redisUrl, prefix: o.prefix },
    state: stackStateSection(),
    s3: s3Endpoint ? { endpoint: s3Endpoint } : { embedded: { dir: s3Dir, port: s3Port } },
    ingress: { host: '127.0.0.1', port: ingressPort },
    http: { host: '127.0.0.1', ports: httpPorts },
    log: { level: o.logLevel ?? (process.env.E2E_LOG_LEVEL as 'info' | undefined) ?? 'warn' },
    clients: o.clients,
    smscs: [{ id: 'sim', host: o.smsc.host, port: o.smsc.port, systemId: 'gw', password: 'gw', sessions: o.smsc.sessions ?? 2, window: o.smsc.window ?? 200, throughput: o.smsc.throughput ?? 0, reconnectMinMs: 100 }],
    routes: [{ prefix: '', smscs: ['sim'] }],
    ...(adminPort !== undefined
      ? { admin: { host: '127.0.0.1', port: adminPort, tokens: ADMIN_ROLES.map((role) => ({ name: `e2e-${role}`, tokenHash: hashAdminToken(STACK_ADMIN_TOKENS[role]), role })) } }
      : {}),
  };
  mergeConfig(config.smscs[0] as Record<string, unknown>, o.smscExtra ?? {});
  mergeConfig(config, o.extra ?? {});
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(configPath, stringify(config));
  const log = o.logFile ? createWriteStream(o.logFile, { flags: 'a' }) : undefined;
  const procs = new Map<App, Supervised>();
  const running = new Map<App, StackInstance[]>(APPS.map((app) => [app, []]));
  const processes = (o.apps ?? APPS).reduce((n, app) => n + count(app), 0);
  const startApp = async (app: App, index = 0) => {
    const multi = count(app) > 1;
    const inst: StackInstance = {
      app,
      index,
      instanceId: multi ? `${app}-${index + 1}` : app,
      httpPort: instanceHttpPorts[app][index]!,
      ingressPort: app === 'ingress' ? ingressPorts[index] : undefined,
      proc: supervise({
        name: multi ? `${app}-${index + 1}` : app,
        entry: `apps/${app}/src/main.ts`,
        // Instance 0 runs on the config as written; the others get their own ports and name.
        env: {
          GATEWAY_CONFIG: configPath,
          ...(multi ? { INSTANCE_ID: `${app}-${index + 1}` } : {}),
          ...(index > 0 ? { HTTP_PORT: String(instanceHttpPorts[app][index]) } : {}),
          ...(index > 0 && app === 'ingress' ? { INGRESS_PORT: String(ingressPorts[index]) } : {}),
        },
        restart: false,
        output: (line) => log?.write(`${multi ? `[${app}-${index + 1}] ` : ''}${line}\n`),
      }),
    };
    running.get(app)![index] = inst;
    if (index === 0) procs.set(app, inst.proc);
    // Generous: on a loaded 2-core machine five tsx processes can take a while to come up (and
    // every instance beyond them, started at the same time, adds to it).
    await waitReady(`http://127.0.0.1:${inst.httpPort}/readyz`, 60_000 + 15_000 * Math.max(0, processes - APPS.length));
  };
  let admin: Supervised | undefined;
  const startAdmin = async () => {
    if (adminPort === undefined) return;
    admin = supervise({ name: 'admin', entry: 'apps/admin/src/main.ts', env: { GATEWAY_CONFIG: configPath }, restart: false, output: (line) => log?.write(`[admin] ${line}\n`) });
    await waitReady(`http://127.0.0.1:${adminPort}/readyz`, 60_000 + 15_000 * Math.max(0, processes - APPS.length));
  };
  const launch = async () =>
    void (await Promise.all([...(o.apps ?? APPS).flatMap((app) => Array.from({ length: count(app) }, (_, i) => startApp(app, i))), startAdmin()]));
  const stopApps = async () =>
    void (await Promise.allSettled([...[...running.values()].flatMap((list) => list.map((inst) => inst.proc.stop(10_000))), admin?.stop(10_000)]));
  const stop = async () => {
    await stopApps();
    await sharedS3?.close();
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
  return {
    state: config.state, ingressPort, ingressPorts, httpPorts, restart, startApp,
    s3: { endpoint: s3Endpoint ?? `http://127.0.0.1:${s3Port}`, dir: s3Dir },
    procs, instances: (app) => [...running.get(app)!], configPath, stop,
    ...(adminPort !== undefined ? { adminUrl: `http://127.0.0.1:${adminPort}` } : {}),
  };
}
