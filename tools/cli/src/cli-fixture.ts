import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
// The admin app's own fixture (real Redis, real state store); the CLI itself only speaks HTTP to it.
import { startAdmin, type AdminFixture } from '@smsgw/admin/src/admin-fixture';

const BIN = fileURLToPath(new URL('../bin/smsgw', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  ns: RedisNamespace;
  fx: AdminFixture;
  /** The admin API's base URL. */
  url: string;
  /** A scratch folder, the command's working directory (files a test hands it go here). */
  dir: string;
  /** The installed command as an operator runs it: the bin shim, as a process, with SMSGW_* from the environment. */
  smsgw(args: string[], opts?: { token?: string; url?: string; input?: string; env?: Record<string, string> }): Promise<Run>;
}

/**
 * For one CLI test file: the admin API listening on a free port over a Redis namespace of its
 * own (`extraYaml` as startAdmin takes it), and the `smsgw` binary pointed at it. Filled in
 * before the first test runs; torn down after the last.
 */
export function useCliAdmin(name: string, extraYaml = ''): CliEnv {
  const env = {} as CliEnv;
  beforeAll(async () => {
    env.ns = await redisNamespace(name);
    env.fx = await startAdmin(env.ns, extraYaml);
    await env.fx.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = env.fx.app.server.address();
    env.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    env.dir = await mkdtemp(join(tmpdir(), `smsgw-${name}-`));
  });
  afterAll(async () => {
    await env.fx?.close();
    await env.ns?.cleanup();
    if (env.dir) await rm(env.dir, { recursive: true, force: true });
  });
  env.smsgw = (args, opts = {}) => {
    const vars: NodeJS.ProcessEnv = { ...process.env, SMSGW_URL: opts.url ?? env.url, ...opts.env };
    delete vars.SMSGW_TOKEN;
    if (opts.token !== undefined) vars.SMSGW_TOKEN = opts.token;
    return new Promise((resolve, reject) => {
      const child = spawn(BIN, args, { env: vars, cwd: env.dir, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(opts.input ?? '');
    });
  };
  return env;
}

/** Whitespace-separated cells of the table row whose first column is `first`. */
export const rowOf = (table: string, first: string) => table.split('\n').map((l) => l.trim().split(/\s+/)).find((cells) => cells[0] === first);
