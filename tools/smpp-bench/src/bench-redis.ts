import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '@smsgw/tool-run-local';

/**
 * How the bench's Redis keeps data. `everysec` (the headline: AOF, fsync once a second — what
 * a production gateway that must not lose acknowledged messages runs), `always` (fsync before
 * every reply), `none` (memory only), or `external` (the Redis at REDIS_URL, as configured).
 */
export const PERSISTENCE_MODES = ['everysec', 'always', 'none', 'external'] as const;
export type PersistenceMode = (typeof PERSISTENCE_MODES)[number];

export interface BenchRedis {
  url: string;
  /** What the server reports: `aof-everysec`, `aof-always`, `aof-no`, `none` (+ `rdb` when it snapshots). */
  persistence: string;
  /** The server's pid when the bench started it (its CPU is read from INFO either way). */
  pid?: number;
  stop(): Promise<void>;
}

/** `aof-everysec`, `none`, … of a running server (CONFIG GET). */
export async function persistenceOf(redis: Redis): Promise<string> {
  const get = async (k: string) => ((await redis.config('GET', k)) as string[])[1] ?? '';
  const [aof, fsync, save] = await Promise.all([get('appendonly'), get('appendfsync'), get('save')]);
  const parts = [aof === 'yes' ? `aof-${fsync}` : 'none'];
  if (save.trim()) parts.push('rdb');
  return parts.join('+');
}

/**
 * A Redis for one bench run: its own `redis-server` on a free port with an empty data folder
 * (removed after), or the external one. Refuses a mode it does not know, naming the variable.
 */
export async function startBenchRedis(mode: string, externalUrl: string): Promise<BenchRedis> {
  if (!(PERSISTENCE_MODES as readonly string[]).includes(mode)) {
    throw new Error(`BENCH_PERSISTENCE: "${mode}" is not one of ${PERSISTENCE_MODES.join(', ')}`);
  }
  if (mode === 'external') {
    const probe = new Redis(externalUrl, { lazyConnect: true });
    try {
      await probe.connect();
      return { url: externalUrl, persistence: await persistenceOf(probe), stop: async () => undefined };
    } finally {
      probe.disconnect();
    }
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-bench-redis-'));
  const aof = mode === 'none' ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', mode];
  const child: ChildProcess = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--dir', dir, ...aof], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    for (let i = 0; ; i++) {
      try {
        await probe.connect();
        break;
      } catch (err) {
        if (i >= 50 || child.exitCode !== null) throw new Error(`redis-server on port ${port} did not start: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const persistence = await persistenceOf(probe);
    return {
      url, persistence, pid: child.pid,
      stop: async () => {
        child.kill('SIGTERM');
        await exited;
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    probe.disconnect();
  }
}
