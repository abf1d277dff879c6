import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RedisCluster {
  /** `127.0.0.1:<port>` of every master: the `redis.cluster` seeds. */
  seeds: string[];
  ports: number[];
  /** Stops one node (SIGKILL unless `graceful`); `start` brings it back on its port and files. */
  stopNode(i: number, graceful?: boolean): Promise<void>;
  startNode(i: number): Promise<void>;
  /** Stops every node and deletes their files. */
  stop(): Promise<void>;
}

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

/**
 * A node port whose cluster bus port (+10000) is free too. Both stay below Linux's ephemeral
 * range (32768–60999), so no outgoing connection takes one between this check and the listen.
 */
async function freeNodePort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 10_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    if ((await canListen(port)) && (await canListen(port + 10_000))) return port;
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 30_000 });
  return stdout;
}

async function waitFor(what: string, timeoutMs: number, ok: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      if (await ok()) return;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(`${what} after ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * A Redis Cluster of its own for a test: `masters` (3) `redis-server --cluster-enabled yes` on
 * free loopback ports, joined with `redis-cli --cluster create` (no replicas), resolved once
 * every node reports `cluster_state:ok`. Needs redis-server and redis-cli on the PATH (CI
 * installs the redis-server package, which brings both). `aof` turns on appendonly with fsync
 * always: a node restarted with startNode() comes back with every acknowledged write.
 */
export async function startRedisCluster(o: { masters?: number; aof?: boolean } = {}): Promise<RedisCluster> {
  const n = o.masters ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-cluster-'));
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = await freeNodePort(taken);
    taken.add(p);
    ports.push(p);
  }
  const procs: Array<ChildProcess | undefined> = [];
  const startNode = async (i: number) => {
    const port = ports[i]!;
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
      '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000',
      '--dir', dir, '--dbfilename', `dump-${port}.rdb`, '--save', '',
      ...(o.aof ? ['--appendonly', 'yes', '--appendfsync', 'always', '--appenddirname', `aof-${port}`] : ['--appendonly', 'no']),
    ];
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    procs[i] = proc;
    await waitFor(`redis-server on port ${port} not answering`, 10_000, async () => (await cli(port, 'PING')).trim() === 'PONG');
  };
  const stopNode = async (i: number, graceful = false) => {
    const proc = procs[i];
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(graceful ? 'SIGTERM' : 'SIGKILL');
    await exited;
    procs[i] = undefined;
  };
  const stop = async () => {
    await Promise.all(ports.map((_, i) => stopNode(i)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(ports.map((_, i) => startNode(i)));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 60_000 });
    await waitFor('Redis Cluster not ok', 30_000, async () => {
      const states = await Promise.all(ports.map((p) => cli(p, 'CLUSTER', 'INFO')));
      return states.every((s) => /cluster_state:ok/.test(s) && new RegExp(`cluster_known_nodes:${n}\\b`).test(s));
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    seeds: ports.map((p) => `127.0.0.1:${p}`),
    ports,
    stopNode,
    startNode: async (i) => {
      await startNode(i);
      await waitFor('Redis Cluster not ok after a node restart', 30_000, async () => /cluster_state:ok/.test(await cli(ports[i]!, 'CLUSTER', 'INFO')));
    },
    stop,
  };
}

/**
 * Starts a cluster and points REDIS_CLUSTER at it, so that redisNamespace() hands out cluster
 * clients: how a test file runs other files' Redis suites again on a cluster. Resolves with the
 * stop, which restores REDIS_CLUSTER.
 */
export async function redisClusterEnv(): Promise<() => Promise<void>> {
  const cluster = await startRedisCluster();
  const before = process.env.REDIS_CLUSTER;
  process.env.REDIS_CLUSTER = cluster.seeds.join(',');
  return async () => {
    if (before === undefined) delete process.env.REDIS_CLUSTER;
    else process.env.REDIS_CLUSTER = before;
    await cluster.stop();
  };
}
