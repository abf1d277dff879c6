import { gunzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '@smsgw/s3';
import { STATUS, type Pdu } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { connectTestClient, startRedisCluster, startSmscSim, type RedisCluster, type SmscSim, type TestClient } from '@smsgw/testing';
import { freePort, startStack, type Stack } from './stack';
import { supervise } from './supervisor';
import { openStateStore } from '@smsgw/store';
import { createRedis } from '@smsgw/redis';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The whole gateway — five app processes — on a 3-shard Redis Cluster the test starts itself
 * (`redis: { cluster: [seeds] }`): messages, receipts, a schedule, client-made parts and the
 * journals all go through keys spread over three masters.
 */
describe('the gateway on a 3-shard Redis Cluster', () => {
  let cluster: RedisCluster;
  let sim: SmscSim;
  let stack: Stack;
  let client: TestClient;
  const prefix = `e2e-cluster-${Date.now().toString(36)}`;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    sim = await startSmscSim({ port: await freePort(), receiptDelayMs: 20 });
    stack = await startStack({
      redisUrl: 'redis://127.0.0.1:1', // not used: the cluster wins, and nothing answers here
      redisCluster: cluster.seeds,
      prefix,
      smsc: { host: '127.0.0.1', port: sim.port },
      clients: [{ systemId: 'acme', password: 'acmepw' }],
      extra: { journal: { maxAgeMs: 500 }, policy: { deferPollMs: 200 } },
      logFile: process.env.E2E_LOG,
    });
    client = await connectTestClient({ host: '127.0.0.1', port: stack.ingressPort, systemId: 'acme', password: 'acmepw', mode: 'transceiver' });
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await stack?.stop();
    await sim?.close();
    await cluster?.stop();
  }, 60_000);

  const ids: string[] = [];

  it('delivers 1,000 messages with one DELIVRD receipt each, keys on every master', async () => {
    const N = 1_000;
    let next = 0;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        const r = await client.submit({
          source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1,
          destination_addr: `4479${String(i).padStart(8, '0')}`, registered_delivery: 1, short_message: encodeGsm7(`cluster ${i}`)!,
        });
        expect(r.status).toBe(STATUS.ESME_ROK);
        ids[i] = r.message_id!;
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    expect(new Set(ids).size).toBe(N);
    await client.waitForReceipts(N, 90_000);
    const receipts = (client.receipts as Pdu[]).map((p) => parseReceiptText(p.short_message!.toString('latin1')));
    expect(receipts.every((r) => r.stat === 'DELIVRD')).toBe(true);
    expect(new Set(receipts.map((r) => r.id))).toEqual(new Set(ids));
    expect(new Set(sim.messages().map((m) => m.destination)).size).toBe(N);

    // The gateway's keys really are spread over the three masters (per-message records hash to
    // every slot range), so scripts and MULTIs ran on a real cluster, not on one node.
    const perNode = await Promise.all(cluster.ports.map(async (port) => {
      const node = new Redis(port, '127.0.0.1');
      try {
        let cursor = '0';
        let n = 0;
        do {
          const [c, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = c;
          n += keys.length;
        } while (cursor !== '0');
        return n;
      } finally {
        node.disconnect();
      }
    }));
    expect(perNode.every((n) => n > 0), String(perNode)).toBe(true);
  }, 180_000);

  it('holds a scheduled message until due, then delivers it', async () => {
    const before = client.receipts.length;
    const t0 = Date.now();
    const r = await client.submit({
      source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900001',
      registered_delivery: 1, short_message: encodeGsm7('later')!, schedule_delivery_time: '000000000003000R', // in 3 s
    });
    expect(r.status).toBe(STATUS.ESME_ROK);
    await client.waitForReceipts(before + 1, 30_000);
    const rec = parseReceiptText((client.receipts[before] as Pdu).short_message!.toString('latin1'));
    expect(rec).toMatchObject({ id: r.message_id, stat: 'DELIVRD' });
    const sent = sim.submits.filter((s) => s.destination === '447700900001');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.at).toBeGreaterThanOrEqual(t0 + 3_000);
  }, 60_000);

  it('joins client-concatenated parts, sent out of order, into one message in order', async () => {
    const before = client.receipts.length;
    const texts = ['Parts cut ', 'by the client ', 'itself.'];
    const partIds: string[] = [];
    for (const seq of [3, 1, 2]) {
      const r = await client.submit({
        source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900002', registered_delivery: 1,
        esm_class: 0x40, short_message: Buffer.concat([Buffer.from([5, 0, 3, 0x42, 3, seq]), encodeGsm7(texts[seq - 1]!)!]),
      });
      expect(r.status).toBe(STATUS.ESME_ROK);
      partIds.push(r.message_id!);
    }
    await client.waitForReceipts(before + 3, 30_000);
    const receipts = (client.receipts as Pdu[]).slice(before).map((p) => parseReceiptText(p.short_message!.toString('latin1')));
    expect(receipts.map((r) => r.id).sort()).toEqual([...partIds].sort());
    expect(receipts.every((r) => r.stat === 'DELIVRD')).toBe(true);
    const msgs = sim.messages().filter((m) => m.destination === '447700900002');
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.text).toBe(texts.join(''));
    const wire = sim.submits.filter((s) => s.destination === '447700900002');
    expect(wire.map((s) => s.udh?.seq)).toEqual([1, 2, 3]);
  }, 60_000);

  it('writes every message to the journals in S3: accepted and final', async () => {
    const s3 = createS3Client({ endpoint: stack.s3.endpoint, region: 'us-east-1', forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    const seen = new Map<string, Set<string>>();
    const deadline = Date.now() + 60_000;
    const complete = () => ids.every((id) => seen.get(id)?.has('accepted') && seen.get(id)?.has('final'));
    try {
      do {
        seen.clear();
        const list = await s3.send(new ListObjectsV2Command({ Bucket: 'proxy', Prefix: 'events/' }));
        for (const o of list.Contents ?? []) {
          const obj = await s3.send(new GetObjectCommand({ Bucket: 'proxy', Key: o.Key! }));
          for (const line of gunzipSync(Buffer.from(await obj.Body!.transformToByteArray())).toString('utf8').split('\n').filter(Boolean)) {
            const rec = JSON.parse(line) as { id?: string; ev: string };
            if (rec.id) seen.set(rec.id, (seen.get(rec.id) ?? new Set()).add(rec.ev));
          }
        }
        if (complete()) break;
        await sleep(500);
      } while (Date.now() < deadline);
    } finally {
      s3.destroy();
    }
    for (const id of ids) expect([...(seen.get(id) ?? [])], id).toEqual(expect.arrayContaining(['accepted', 'final']));
  }, 90_000);
});

describe('a redis.cluster that does not answer', () => {
  it('stops the app at start with an error naming redis.cluster; it never falls back to redis.url', async () => {
    // A single Redis answers at `url`; the cluster's seeds are ports nothing listens on.
    const dead = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
    const dir = mkdtempSync(join(tmpdir(), 'smsgw-cluster-dead-'));
    const configPath = join(dir, 'gateway.yaml');
    const httpPort = await freePort();
    writeFileSync(configPath, JSON.stringify({
      redis: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', cluster: dead, prefix: `e2e-dead-${Date.now()}` },
      http: { host: '127.0.0.1', ports: { 'dlr-worker': httpPort } },
      log: { level: 'warn' },
    }));
    const lines: string[] = [];
    let exit: number | null | undefined;
    const exited = new Promise<void>((resolve) => {
      const p = supervise({
        name: 'dlr-worker', entry: 'apps/dlr-worker/src/main.ts', env: { GATEWAY_CONFIG: configPath }, restart: false,
        output: (line) => lines.push(line),
        onExit: (code) => {
          exit = code;
          resolve();
        },
      });
      void p;
    });
    try {
      await exited;
      expect(exit).not.toBe(0);
      const out = lines.join('\n');
      expect(out).toMatch(/start failed/);
      expect(out).toContain(`redis.cluster [${dead.join(', ')}] not reachable`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a shard of the cluster restarting under load (AOF, fsync always)', () => {
  let cluster: RedisCluster;
  let sim: SmscSim;
  let stack: Stack;
  const prefix = `e2e-shard-${Date.now().toString(36)}`;

  beforeAll(async () => {
    cluster = await startRedisCluster({ aof: true });
    sim = await startSmscSim({ port: await freePort(), receiptDelayMs: 20 });
    stack = await startStack({
      redisUrl: 'redis://127.0.0.1:1',
      redisCluster: cluster.seeds,
      prefix,
      smsc: { host: '127.0.0.1', port: sim.port },
      clients: [{ systemId: 'acme', password: 'acmepw' }],
      extra: { streams: { claimIdleMs: 3_000 } },
      logFile: process.env.E2E_LOG,
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await sim?.close();
    await cluster?.stop();
  }, 60_000);

  it('loses nothing acknowledged: every ROK gets its DELIVRD receipt once the master of `in` is back', async () => {
    // The master holding the `in` stream (every submit is written there) is the one killed.
    const probe = new Redis(cluster.ports[0]!, '127.0.0.1');
    const slot = Number(await probe.cluster('KEYSLOT', `${prefix}:in`));
    const ranges = await probe.cluster('SLOTS');
    probe.disconnect();
    const port = ranges.find(([from, to]) => slot >= from && slot <= to)![2]![1];
    const victim = cluster.ports.indexOf(port);

    const client = await connectTestClient({ host: '127.0.0.1', port: stack.ingressPort, systemId: 'acme', password: 'acmepw', mode: 'transceiver' });
    const acked: string[] = [];
    let refused = 0;
    let i = 0;
    let sending = true;
    const worker = async () => {
      while (sending) {
        const n = i++;
        const r = await client.submit({
          source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1,
          destination_addr: `4478${String(n).padStart(8, '0')}`, registered_delivery: 1, short_message: encodeGsm7(`shard ${n}`)!,
        });
        if (r.status === STATUS.ESME_ROK) acked.push(r.message_id!);
        else refused++;
        await sleep(5);
      }
    };
    const load = Promise.all(Array.from({ length: 5 }, worker));
    await sleep(1_500);
    await cluster.stopNode(victim); // SIGKILL: no shutdown save, only what the AOF holds
    await sleep(1_500);
    await cluster.startNode(victim);
    await sleep(1_500);
    sending = false;
    await load;
    expect(acked.length).toBeGreaterThan(100);
    // Receipts come at least once (one answered while the shard was away is sent again), so
    // wait for every acknowledged id, not for a count.
    const delivered = () => new Set((client.receipts as Pdu[]).map((p) => parseReceiptText(p.short_message!.toString('latin1'))).filter((r) => r.stat === 'DELIVRD').map((r) => r.id));
    for (const end = Date.now() + 120_000; Date.now() < end && acked.some((id) => !delivered().has(id)); ) await sleep(250);
    const ids = delivered();
    const missing = acked.filter((id) => !ids.has(id));
    if (missing.length) {
      // What became of each: its record, what the SMSC got, the receipts the client did get.
      const redis = createRedis({ cluster: cluster.seeds });
      const store = await openStateStore(stack.state, redis, prefix);
      for (const id of missing) {
        const rec = await store.get(id);
        const receipts = (client.receipts as Pdu[]).map((p) => parseReceiptText(p.short_message!.toString('latin1'))).filter((r) => r.id === id);
        const sent = rec ? sim.submits.filter((x) => x.destination === rec.dst).length : -1;
        console.error(`missing ${id}: record ${JSON.stringify(rec)}; submits to its destination ${sent}; receipts ${JSON.stringify(receipts)}`);
      }
      await store.close();
      redis.disconnect();
    }
    expect(missing).toEqual([]);
    await client.close();
    // Every submit was answered: ROK, or a refusal (ESME_RMSGQFUL while the shard was away),
    // which acknowledged nothing.
    expect(acked.length + refused).toBe(i);
  }, 240_000);
});
