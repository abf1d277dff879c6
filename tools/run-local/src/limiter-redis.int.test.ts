import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { connectTestClient, type TestClient } from '@smsgw/testing';
import { STATUS } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { freePort } from './stack';
import { useStack } from './use-stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// `limits.redis`: the L2 buckets on a Redis of their own (no persistence, its own port), apart
// from the streams' Redis. The link's limit is enforced through it; killed, it stops the grants
// (floor 0) and nothing else: messages wait, none fails, and they flow once it is back.
describe('a dedicated limiter Redis', () => {
  let port: number;
  let server: ChildProcess | undefined;
  let limiter: Redis;

  const startLimiterRedis = async () => {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (const end = Date.now() + 10_000; Date.now() < end; await sleep(50)) {
      if ((await limiter.ping().catch(() => '')) === 'PONG') return;
    }
    throw new Error(`limiter redis on ${port} not up`);
  };
  const killLimiterRedis = () =>
    new Promise<void>((resolve) => {
      if (!server || server.exitCode !== null) return resolve();
      server.once('exit', () => resolve());
      server.kill('SIGKILL');
    });

  // Registered before useStack's: the limiter Redis listens before the apps start.
  beforeAll(async () => {
    port = await freePort();
    limiter = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: 1 });
    limiter.on('error', () => undefined); // refused while it is down
    await startLimiterRedis();
  }, 20_000);

  const env = useStack('e2e-limiter-redis', {
    sim: { receiptDelayMs: 10 },
    stack: (sim) => ({
      smsc: { host: '127.0.0.1', port: sim.port, throughput: 50 },
      clients: [
        { systemId: 'acme', password: 'acmepw' },
        { systemId: 'capped', password: 'cappedpw', maxSubmitRate: 1_000 },
      ],
      extra: { limits: { redis: { url: `redis://127.0.0.1:${port}` } } },
    }),
  });

  afterAll(async () => {
    limiter?.disconnect();
    await killLimiterRedis();
  }, 20_000);

  const send = (c: TestClient, from: number, n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, k) =>
        c
          .submit({
            source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1,
            destination_addr: `4477008${String(from + k).padStart(5, '0')}`, registered_delivery: 1, short_message: encodeGsm7(`limited ${from + k}`)!,
          })
          .then((r) => r.status),
      ),
    );
  const senderMetrics = async () => (await fetch(`http://127.0.0.1:${env.stack.httpPorts.sender}/metrics`)).text();

  it('keeps the link limit on the limiter Redis; its outage holds messages, which flow again once it is back', async () => {
    const c = await connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'acmepw', mode: 'transceiver', window: 200, responseTimeoutMs: 20_000 });
    const capped = await connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'capped', password: 'cappedpw', mode: 'transmitter' });
    const linkKey = `${env.ns.prefix}:rl:{link:sim}`;
    const clientKey = `${env.ns.prefix}:rl:{client:capped}`;

    // 150 messages at once against a 50/s link: the SMSC sees them at the link's rate.
    const counts: number[] = [];
    const sampler = setInterval(() => counts.push(env.sim.stats.submits), 1_000);
    expect(new Set(await send(c, 0, 150))).toEqual(new Set([STATUS.ESME_ROK]));
    expect((await capped.submit({ source_addr: 'CAP', destination_addr: '447700900001', short_message: encodeGsm7('capped')! })).status).toBe(STATUS.ESME_ROK);
    await c.waitForReceipts(150, 30_000);
    clearInterval(sampler);
    const perSecond = counts.slice(1).map((n, i) => n - counts[i]);
    expect(Math.max(...perSecond)).toBeLessThanOrEqual(50 * 1.2);
    // The buckets are on the limiter Redis, not on the streams' one.
    // (One key per call: on a Redis Cluster the two keys are in different slots.)
    expect([await limiter.exists(linkKey), await limiter.exists(clientKey)]).toEqual([1, 1]);
    expect([await env.ns.redis.exists(linkKey), await env.ns.redis.exists(clientKey)]).toEqual([0, 0]);

    // Limiter Redis killed: ingress still accepts (acme has no submit rate), the capped client gets
    // the floor (throttled), and nothing reaches the SMSC while the sender keeps its messages.
    await killLimiterRedis();
    await sleep(1_000); // leases granted before the kill expire within 250 ms
    const before = env.sim.stats.submits;
    expect(new Set(await send(c, 150, 50))).toEqual(new Set([STATUS.ESME_ROK]));
    expect((await capped.submit({ source_addr: 'CAP', destination_addr: '447700900002', short_message: encodeGsm7('capped')! })).status).toBe(STATUS.ESME_RTHROTTLED);
    await sleep(3_000);
    expect(env.sim.stats.submits).toBe(before);
    expect(await senderMetrics()).toMatch(/smsgw_rate_tokens_total\{scope="link:sim",outcome="degraded"[^}]*\} [1-9]/);
    // The sender neither crashed nor stopped being ready: the main Redis and its SMSC are fine.
    expect((await fetch(`http://127.0.0.1:${env.stack.httpPorts.sender}/readyz`)).status).toBe(200);
    expect(c.receipts).toHaveLength(150);

    // Back (empty, no persistence): the waiting messages go out, every one delivered.
    await startLimiterRedis();
    const receipts = await c.waitForReceipts(200, 30_000);
    expect(receipts.map((p) => parseReceiptText(p.short_message!.toString('latin1')).stat).every((s) => s === 'DELIVRD')).toBe(true);
    expect(env.sim.stats.submits).toBe(200 + 1);
    expect(await senderMetrics()).not.toMatch(/smsgw_messages_total\{stage="sender",outcome="failed"/);
    expect((await capped.submit({ source_addr: 'CAP', destination_addr: '447700900003', short_message: encodeGsm7('capped')! })).status).toBe(STATUS.ESME_ROK);
    await capped.close();
    await c.close();
  }, 120_000);
});
