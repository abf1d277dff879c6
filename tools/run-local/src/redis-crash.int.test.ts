import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { connectTestClient, startSmscSim, type SmscSim } from '@smsgw/testing';
import { STATUS } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { freePort, startStack, type Stack } from './stack';

// Redis killed -9 under load and started again from its append-only file (appendfsync always):
// every message acknowledged with ESME_ROK is delivered and its receipt comes back. A Redis of
// its own, so the shared one is never touched.
describe('Redis killed under load', () => {
  let dir: string;
  let port: number;
  let redis: ChildProcess | undefined;
  let sim: SmscSim;
  let stack: Stack;

  const startRedis = async () => {
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
    const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
    probe.on('error', () => undefined); // refused until it listens
    for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
      try {
        await probe.connect().catch(() => undefined);
        if ((await probe.ping()) === 'PONG') break;
      } catch {
        // loading the AOF, or not up yet
      }
    }
    probe.disconnect();
  };
  const killRedis = () =>
    new Promise<void>((resolve) => {
      redis!.once('exit', () => resolve());
      redis!.kill('SIGKILL');
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsgw-aof-'));
    port = await freePort();
    await startRedis();
    sim = await startSmscSim({ port: await freePort(), receiptDelayMs: 20 });
    stack = await startStack({
      redisUrl: `redis://127.0.0.1:${port}`,
      prefix: 'crash',
      smsc: { host: '127.0.0.1', port: sim.port },
      clients: [{ systemId: 'acme', password: 'pw' }],
      // Short command timeouts so a dead Redis is noticed fast; reclaim soon after it is back.
      extra: { redis: { commandTimeoutMs: 1_000 }, streams: { claimIdleMs: 3_000 } },
      logFile: process.env.E2E_LOG,
    });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    await sim?.close();
    if (redis && redis.exitCode === null) await killRedis();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('every acknowledged message of 3,000 at 500/s is delivered with its receipt after a kill -9 and an AOF restart', async () => {
    const c = await connectTestClient({ host: '127.0.0.1', port: stack.ingressPort, systemId: 'acme', password: 'pw', mode: 'transceiver', window: 100, responseTimeoutMs: 20_000 });
    const acked: string[] = [];
    const refused = new Map<number, number>();
    const sends: Promise<void>[] = [];
    const t0 = Date.now();
    let killed = false;
    for (let i = 0; i < 3_000; i++) {
      // 500/s: message i goes at t0 + 2i ms.
      const wait = t0 + i * 2 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (i === 1_000) {
        killed = true;
        void killRedis().then(() => new Promise((r) => setTimeout(r, 5_000))).then(startRedis);
      }
      sends.push(
        c
          .submit({
            source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1,
            destination_addr: `4477${String(i).padStart(8, '0')}`, registered_delivery: 1, short_message: encodeGsm7(`crash ${i}`)!,
          })
          .then(
            (r) => {
              if (r.status === STATUS.ESME_ROK) acked.push(r.message_id!);
              else refused.set(r.status, (refused.get(r.status) ?? 0) + 1);
            },
            () => void refused.set(-1, (refused.get(-1) ?? 0) + 1),
          ),
      );
    }
    await Promise.all(sends);
    expect(killed).toBe(true);
    expect(acked.length).toBeGreaterThan(2_000);
    // Only "queue full" (Redis away) may refuse a message; nothing else goes wrong.
    expect([...refused.keys()].every((s) => s === STATUS.ESME_RMSGQFUL)).toBe(true);
    const receiptIds = () => new Set(c.receipts.map((p) => parseReceiptText(p.short_message!.toString('latin1')).id));
    for (const end = Date.now() + 150_000; Date.now() < end; await new Promise((r) => setTimeout(r, 500))) {
      const have = receiptIds();
      if (acked.every((id) => have.has(id))) break;
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const got = c.receipts.map((p) => parseReceiptText(p.short_message!.toString('latin1')));
    const ids = new Set(got.map((r) => r.id));
    const missing = acked.filter((id) => !ids.has(id));
    expect(missing, `${missing.length} of ${acked.length} acknowledged messages without a receipt`).toEqual([]);
    expect(got.every((r) => r.stat === 'DELIVRD')).toBe(true);
    // Receipts reach the client at least once: one whose deliver_sm_resp came while Redis was
    // away is sent again (its stream entry could not be acknowledged) — a client dedupes by id.
    // A refused message whose XADD did run before Redis died may get a receipt too.
    expect(ids.size).toBeGreaterThanOrEqual(acked.length);
    // Nothing reached the SMSC twice: SMSC ids were kept until the store took them.
    const perDestination = new Map<string, number>();
    for (const x of sim.submits) perDestination.set(x.destination, (perDestination.get(x.destination) ?? 0) + 1);
    expect([...perDestination.values()].filter((n) => n > 1)).toEqual([]);
    await c.close();
  }, 240_000);
});
