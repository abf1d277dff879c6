import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dlrInEntrySchema, outEntrySchema, streamNames, type InEntry } from '@smsgw/contracts';
import { createPolicyRollout } from '@smsgw/mcp';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
// The admin app's own fixture (real Redis): the change goes through the API an operator uses.
import { bearer, startAdmin, type AdminFixture } from '@smsgw/admin/src/admin-fixture';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const INSTANCE = `pw-rollout-${process.pid}`;

let ns: RedisNamespace;
let fx: AdminFixture;
let dir: string;
let worker: ChildProcess;
let output = '';

const entry = (text: string): InEntry => ({
  v: 1, id: randomUUID(), sys: 'acme',
  src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' },
  dst: { ton: 1, npi: 1, addr: '447700900123', norm: '447700900123' },
  dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: Buffer.from(text).toString('base64'), at: Date.now(),
});

/** Where the running policy-worker put a message: routed to `out:sim`, or rejected (its reason). */
async function outcome(id: string): Promise<string> {
  const names = streamNames(ns.prefix);
  // Generous: the first message waits for the worker process to start on a loaded machine.
  for (const until = Date.now() + 60_000; Date.now() < until; ) {
    const out = ((await ns.redis.xrange(names.out('sim'), '-', '+')) as [string, string[]][]).map(([, f]) => outEntrySchema.parse(JSON.parse(f[1]!)));
    if (out.some((e) => e.id === id)) return 'routed';
    const failed = ((await ns.redis.xrange(names.dlrIn, '-', '+')) as [string, string[]][]).map(([, f]) => dlrInEntrySchema.parse(JSON.parse(f[1]!)));
    const f = failed.find((e) => e.k === 'fail' && e.id === id);
    if (f && f.k === 'fail') return f.reason ?? f.state;
    await sleep(50);
  }
  throw new Error(`message ${id} never came out of the policy-worker; its output:\n${output}`);
}

const submit = async (text: string) => {
  const m = entry(text);
  await ns.redis.xadd(streamNames(ns.prefix).in, '*', 'd', JSON.stringify(m));
  return outcome(m.id);
};

beforeAll(async () => {
  ns = await redisNamespace('pw-rollout');
  fx = await startAdmin(ns);
  dir = await mkdtemp(join(tmpdir(), 'pw-rollout-'));
  const config = join(dir, 'gateway.yaml');
  await writeFile(config, `
redis: { url: "${ns.url}", prefix: "${ns.prefix}" }
clients: [{ systemId: acme, password: pw }]
smscs: [{ id: sim, host: 127.0.0.1, port: 1, systemId: gw, password: gw }]
routes: [{ prefix: "", smscs: [sim] }]
log: { level: warn }
`);
  worker = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, GATEWAY_CONFIG: config, HTTP_PORT: '0', INSTANCE_ID: INSTANCE, REDIS_CLUSTER: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  worker.stderr!.on('data', (c: Buffer) => (output += c.toString()));
}, 90_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
  }
  await fx?.close();
  await ns?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const put = (policy: unknown) => fx.app.inject({ method: 'PUT', url: '/v1/policy', headers: bearer('admin'), payload: { policy } });
const reported = async () => (await createPolicyRollout(ns.redis, ns.prefix).applied()).find((a) => a.instance === INSTANCE);

describe('a running policy-worker follows the policy versions set through the admin API', () => {
  it('applies a new version within a second, and the rollback too', { timeout: 120_000 }, async () => {
    // The file's policy (no rules) is in force: everything passes.
    expect(await submit('casino tonight')).toBe('routed');
    expect(await reported()).toMatchObject({ version: 0 });

    expect((await put({ rules: [{ type: 'content-deny', keywords: ['casino'] }] })).json()).toEqual({ version: 1 });
    await sleep(1_000);
    expect(await submit('casino tonight')).toBe('content-denied');
    expect(await submit('hello')).toBe('routed');
    expect(await reported()).toMatchObject({ version: 1 });

    // Version 1 has no version before it in Redis: publish the file's rules again, then roll back to 1 and forth.
    expect((await put({ rules: [] })).json()).toEqual({ version: 2 });
    await sleep(1_000);
    expect(await submit('casino tonight')).toBe('routed');
    expect((await fx.app.inject({ method: 'POST', url: '/v1/policy/rollback', headers: bearer('admin') })).json()).toEqual({ version: 3, rollbackOf: 1 });
    await sleep(1_000);
    expect(await submit('casino tonight')).toBe('content-denied');
    expect((await fx.app.inject({ method: 'POST', url: '/v1/policy/rollback', headers: bearer('admin'), payload: { version: 2 } })).json()).toEqual({ version: 4, rollbackOf: 2 });
    await sleep(1_000);
    expect(await submit('casino tonight')).toBe('routed');
    const shown = (await fx.app.inject({ method: 'GET', url: '/v1/policy', headers: bearer('viewer') })).json();
    expect(shown.workers).toContainEqual(expect.objectContaining({ instance: INSTANCE, version: 4, current: true, stale: false }));
  });

  it('refuses a version that does not validate (written around the API): the rules in force stay, the refusal is reported', async () => {
    const rollout = createPolicyRollout(ns.redis, ns.prefix);
    expect((await put({ rules: [{ type: 'content-deny', keywords: ['casino'] }] })).json()).toEqual({ version: 5 });
    await sleep(1_000);
    await ns.redis.hset(rollout.keys.rules, 'version', 6, 'v:6', JSON.stringify({ policy: { rules: [{ type: 'bogus' }] }, by: 'hand', at: Date.now() }));
    await sleep(1_000);
    expect(await submit('casino tonight')).toBe('content-denied');
    expect(await reported()).toMatchObject({ version: 5, refused: 6, error: expect.stringContaining('policy.rules[0].type: must be one of') });
  });
});
