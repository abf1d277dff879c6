import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUPS, streamNames } from '@smsgw/contracts';
import { createS3Client, EMBEDDED_S3_CREDENTIALS, startEmbeddedS3, type EmbeddedS3 } from '@smsgw/s3';
import { encodeGsm7 } from '@smsgw/sms-text';
import { connectTestClient, redisNamespace, startSmscSim, type RedisNamespace, type SmscSim, type TestClient } from '@smsgw/testing';
import { freePort, startStack, type Stack } from './stack';
import { supervise, type Supervised } from './supervisor';

interface Rec {
  eid: string;
  ev: string;
  id?: string;
  ts: number;
  app?: string;
  instance?: string;
  level?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The "done when" for journals, on the real stack: five app processes, the SMSC
 * simulator, Redis, and an S3-compatible server in this process (so the test can stop it).
 */
describe('journals in S3: complete and exactly once', () => {
  let ns: RedisNamespace;
  let sim: SmscSim;
  let stack: Stack;
  let s3dir: string;
  let s3port: number;
  let s3: EmbeddedS3 | undefined;
  let client: TestClient;
  let reader: S3Client;
  let restarted: Supervised | undefined;
  const ids: string[] = [];
  let sent = 0;

  beforeAll(async () => {
    ns = await redisNamespace('journal-e2e');
    sim = await startSmscSim({ port: 0, receiptDelayMs: 10 });
    s3dir = mkdtempSync(join(tmpdir(), 'smsgw-journal-s3-'));
    s3port = await freePort();
    s3 = await startEmbeddedS3({ dir: s3dir, port: s3port });
    stack = await startStack({
      redisUrl: ns.url,
      redisCluster: ns.target.cluster,
      prefix: ns.prefix,
      smsc: { host: '127.0.0.1', port: sim.port },
      clients: [{ systemId: 'acme', password: 'acmepw' }],
      s3Endpoint: s3.endpoint,
      extra: {
        s3: { requestTimeoutMs: 2_000 },
        journal: { maxAgeMs: 1_000, maxRecords: 5_000, claimIdleMs: 3_000, retryMinMs: 200, retryMaxMs: 1_000, statsEveryMinutes: 1, statsGraceMs: 0, metricsEveryMs: 1_000 },
      },
      logFile: process.env.E2E_LOG,
    });
    client = await connectTestClient({ host: '127.0.0.1', port: stack.ingressPort, systemId: 'acme', password: 'acmepw', mode: 'transceiver' });
    reader = createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', ...EMBEDDED_S3_CREDENTIALS, requestTimeoutMs: 5_000 });
  }, 90_000);

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    reader?.destroy();
    await restarted?.stop(10_000);
    await stack?.stop();
    await s3?.close();
    await sim?.close();
    await ns?.cleanup();
    if (s3dir) rmSync(s3dir, { recursive: true, force: true });
  }, 60_000);

  const send = async (n: number, workers = 20) => {
    const end = sent + n;
    const worker = async () => {
      while (sent < end) {
        const i = sent++;
        const resp = await client.submit({
          source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1,
          destination_addr: `4479${String(i).padStart(8, '0')}`, registered_delivery: 1, short_message: encodeGsm7(`journal ${i}`)!,
        });
        expect(resp.status).toBe(0);
        ids.push(resp.message_id!);
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
  };

  const restartS3 = async () => {
    s3 = await startEmbeddedS3({ dir: s3dir, port: s3port });
  };

  /** Every record of every journal object, by object key. */
  const readAll = async (): Promise<Map<string, Rec[]>> => {
    const out = new Map<string, Rec[]>();
    for (const bucket of ['proxy', 'mcp']) {
      let token: string | undefined;
      do {
        const list = await reader.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'events/', ContinuationToken: token }));
        for (const o of list.Contents ?? []) {
          const obj = await reader.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
          const text = gunzipSync(Buffer.from(await obj.Body!.transformToByteArray())).toString('utf8');
          out.set(`${bucket}/${o.Key}`, text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec));
        }
        token = list.NextContinuationToken;
      } while (token);
    }
    return out;
  };

  /** Waits until every message has its accepted and final record, then checks exactly-once. */
  const expectComplete = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    let objects: Map<string, Rec[]>;
    let missing = 0;
    do {
      objects = await readAll();
      const have = new Set<string>();
      for (const recs of objects.values()) for (const r of recs) if (r.ev === 'final' || r.ev === 'accepted') have.add(`${r.id}:${r.ev}`);
      missing = ids.filter((id) => !have.has(`${id}:accepted`) || !have.has(`${id}:final`)).length;
      if (!missing) break;
      await sleep(500);
    } while (Date.now() < deadline);
    expect(missing, 'messages without their accepted and final record').toBe(0);
    const eids = new Map<string, number>();
    const perMessage = new Map<string, { accepted: number; final: number }>();
    for (const recs of objects!.values()) {
      for (const r of recs) {
        eids.set(r.eid, (eids.get(r.eid) ?? 0) + 1);
        if (r.id && (r.ev === 'accepted' || r.ev === 'final')) {
          const m = perMessage.get(r.id) ?? { accepted: 0, final: 0 };
          m[r.ev]++;
          perMessage.set(r.id, m);
        }
      }
    }
    expect([...eids].filter(([, n]) => n > 1).slice(0, 5), 'duplicated event ids').toEqual([]);
    expect(ids.filter((id) => perMessage.get(id)?.accepted !== 1 || perMessage.get(id)?.final !== 1)).toEqual([]);
    expect(perMessage.size).toBe(ids.length); // nothing else (no message we did not send)
    return objects!;
  };

  const journal = () => streamNames(ns.prefix).journal;
  const openKey = () => `${journal()}:open:{${journal()}}`;
  const pending = async () => ((await ns.redis.xpending(journal(), GROUPS.journal)) as [number])[0];

  it('10,000 messages: one accepted and one final record each, no event id twice', async () => {
    const t0 = Date.now();
    await send(10_000);
    await client.waitForReceipts(10_000, 60_000);
    const objects = await expectComplete(30_000);
    console.log(`[journal] 10,000 messages exported in ${Date.now() - t0} ms`);
    // What the DuckDB query of docs/journals.md relies on: the partition layout, and sys/ts/state/eid in
    // every `final` record. Its answer, computed here: delivered vs failed per client per hour.
    const perHour = new Map<string, { delivered: number; failed: number }>();
    for (const [key, recs] of objects) {
      expect(key).toMatch(/^(proxy|mcp)\/events\/v1\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[A-Za-z0-9._-]+-\d+-\d+-\d+-\d+\.ndjson\.gz$/);
      const [, dt, hour] = /dt=([^/]+)\/hour=(\d\d)/.exec(key)!;
      for (const r of recs.filter((x) => x.ev === 'final') as Array<Rec & { sys?: string; state?: string }>) {
        expect(new Date(r.ts).toISOString().slice(0, 13)).toBe(`${dt}T${hour}`);
        expect(r.sys).toBe('acme');
        const row = perHour.get(`${r.sys} ${dt}T${hour}`) ?? { delivered: 0, failed: 0 };
        if (r.state === 'DELIVERED') row.delivered++;
        else row.failed++;
        perHour.set(`${r.sys} ${dt}T${hour}`, row);
      }
    }
    const sum = [...perHour.values()].reduce((a, b) => ({ delivered: a.delivered + b.delivered, failed: a.failed + b.failed }));
    expect(sum).toEqual({ delivered: 10_000, failed: 0 });
  }, 120_000);

  it("every app's metrics snapshots land under metrics/v1/dt=…/hour=…/ in the proxy bucket", async () => {
    const snapshots = async () => {
      const recs: Rec[] = [];
      const list = await reader.send(new ListObjectsV2Command({ Bucket: 'proxy', Prefix: 'metrics/' }));
      for (const o of list.Contents ?? []) {
        expect(o.Key).toMatch(/^metrics\/v1\/dt=\d{4}-\d\d-\d\d\/hour=\d\d\/[^/]+\.ndjson\.gz$/);
        const obj = await reader.send(new GetObjectCommand({ Bucket: 'proxy', Key: o.Key! }));
        recs.push(...gunzipSync(Buffer.from(await obj.Body!.transformToByteArray())).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec));
      }
      return recs;
    };
    const apps = ['ingress', 'policy-worker', 'sender', 'dlr-worker', 'journal-exporter'];
    let recs: Rec[] = [];
    for (const end = Date.now() + 20_000; Date.now() < end; await sleep(500)) {
      recs = await snapshots();
      if (apps.every((app) => recs.some((r) => r.app === app))) break;
    }
    expect([...new Set(recs.map((r) => r.app))].sort()).toEqual([...apps].sort());
    expect(recs.every((r) => r.ev === 'metrics' && typeof r.instance === 'string')).toBe(true);
    // The ingress's own count of what it accepted is in its latest snapshot.
    type Metric = { name: string; values: Array<{ value: number; labels: Record<string, string> }> };
    const latest = recs.filter((r) => r.app === 'ingress').sort((a, b) => b.ts - a.ts)[0] as Rec & { metrics: Metric[] };
    const accepted = latest.metrics.find((m) => m.name === 'smsgw_messages_total')!.values.reduce((n, v) => n + v.value, 0);
    expect(accepted).toBeGreaterThan(0);
  });

  it('S3 stopped for 30 s: the SMS flow goes on, the stream holds the journal, nothing is lost', async () => {
    await s3!.close();
    const down = Date.now();
    await send(1_000);
    await client.waitForReceipts(11_000, 30_000); // not slowed by S3
    expect(Date.now() - down).toBeLessThan(25_000);
    await sleep(30_000 - (Date.now() - down));
    expect(await pending()).toBeGreaterThan(0); // the lag is visible (smsgw_stream_pending)
    await restartS3();
    await expectComplete(30_000);
    // The exporter's own warnings about the outage are operational records, exported too.
    let logs: Rec[] = [];
    for (const end = Date.now() + 15_000; Date.now() < end && !logs.length; await sleep(500)) {
      const list = await reader.send(new ListObjectsV2Command({ Bucket: 'proxy', Prefix: 'logs/v1/' }));
      for (const o of list.Contents ?? []) {
        expect(o.Key).toMatch(/^logs\/v1\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\//);
        const obj = await reader.send(new GetObjectCommand({ Bucket: 'proxy', Key: o.Key! }));
        const text = gunzipSync(Buffer.from(await obj.Body!.transformToByteArray())).toString('utf8');
        logs.push(...text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec));
      }
    }
    expect(logs.some((r) => r.ev === 'log' && r.app === 'journal-exporter' && r.level === 40)).toBe(true);
  }, 120_000);

  it('exporter SIGKILLed with a batch recorded but not uploaded: the restarted one finishes it, nothing missing or twice', async () => {
    const sending = send(1_000, 5);
    await s3!.close(); // holds the exporter's batch between its record in Redis and its upload
    let open: Record<string, string> = {};
    for (const end = Date.now() + 15_000; Date.now() < end; await sleep(50)) {
      open = await ns.redis.hgetall(openKey());
      if (Object.keys(open).length) break;
    }
    expect(Object.keys(open).length).toBeGreaterThan(0);
    stack.procs.get('journal-exporter')!.kill();
    const [batch] = new Set(Object.values(open));
    const manifest = JSON.parse((await ns.redis.get(`${journal()}:batch:{${journal()}}:${batch}`))!) as { objects: { bucket: string; key: string }[] };
    await restartS3();
    await sending;
    await client.waitForReceipts(12_000, 30_000);
    restarted = supervise({
      name: 'journal-exporter',
      entry: 'apps/journal-exporter/src/main.ts',
      env: { GATEWAY_CONFIG: stack.configPath },
      output: () => undefined,
    });
    await expectComplete(45_000);
    // The dead exporter's batch landed under the keys it had recorded — event objects and, when
    // the batch held operational records, its logs/ object too.
    for (const o of manifest.objects) {
      const head = await reader.send(new HeadObjectCommand({ Bucket: o.bucket, Key: o.key })).catch(() => null);
      expect(head, `${o.bucket}/${o.key}`).not.toBeNull();
    }
    for (const end = Date.now() + 10_000; Date.now() < end && (await ns.redis.hlen(openKey())); ) await sleep(200);
    expect(await ns.redis.hlen(openKey())).toBe(0);
  }, 120_000);

  it('statistics snapshots count each exported record once', async () => {
    // The earlier tests' records must lie in a minute that has ended: wait for it if the suite
    // ran faster than a minute (no new records come in meanwhile).
    const first = await readAll();
    let earliest = Infinity;
    for (const recs of first.values()) for (const r of recs) earliest = Math.min(earliest, r.ts);
    expect(earliest).toBeLessThan(Infinity);
    await sleep(Math.max(0, Math.floor(earliest / 60_000) * 60_000 + 61_000 - Date.now()));
    const objects = await readAll();
    const byMinute = new Map<number, number>();
    for (const recs of objects.values()) for (const r of recs) byMinute.set(Math.floor(r.ts / 60_000) * 60_000, (byMinute.get(Math.floor(r.ts / 60_000) * 60_000) ?? 0) + 1);
    const closed = [...byMinute.keys()].filter((m) => m + 60_000 <= Date.now() - 1_000);
    expect(closed.length).toBeGreaterThan(0);
    let snaps = new Map<number, number>();
    for (const end = Date.now() + 25_000; Date.now() < end; await sleep(1_000)) {
      snaps = new Map();
      const list = await reader.send(new ListObjectsV2Command({ Bucket: 'proxy', Prefix: 'stats/v1/' }));
      for (const o of list.Contents ?? []) {
        const obj = await reader.send(new GetObjectCommand({ Bucket: 'proxy', Key: o.Key! }));
        const doc = JSON.parse(await obj.Body!.transformToString()) as { from: string; records: number; finalByClient: Record<string, Record<string, number>> };
        snaps.set(Date.parse(doc.from), doc.records);
      }
      if (closed.every((m) => snaps.get(m) === byMinute.get(m))) break;
    }
    for (const m of closed) expect(snaps.get(m), new Date(m).toISOString()).toBe(byMinute.get(m));
  }, 120_000);
});
