import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client } from '@smsgw/s3';
import { openStateStore } from '@smsgw/store';
import { connectTestClient } from '@smsgw/testing';
import { TLV, getTlv, type Pdu } from '@smsgw/smpp';
import { encodeGsm7, encodeUcs2, parseReceiptText } from '@smsgw/sms-text';
import { useStack } from './use-stack';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LONG = 'The quick brown fox jumps over the lazy dog. '.repeat(7).slice(0, 300);

/** The four kinds of text the issue names, by message index. */
function messageFor(i: number): { text: string; dc: number; bytes: Buffer } {
  switch (i % 4) {
    case 0: {
      const text = `Hello world ${i}`;
      return { text, dc: 0, bytes: encodeGsm7(text)! };
    }
    case 1: {
      const text = `Price 5€ [a] {b} ${i}`;
      return { text, dc: 0, bytes: encodeGsm7(text)! };
    }
    case 2: {
      const text = `Привет мир 😀 ${i}`;
      return { text, dc: 8, bytes: encodeUcs2(text) };
    }
    default: {
      const text = `${i} ${LONG}`.slice(0, 300);
      return { text, dc: 0, bytes: encodeGsm7(text)! };
    }
  }
}

describe('the whole pipeline on real parts (5 app processes, SMSC simulator, Redis, S3)', () => {
  const env = useStack('e2e', { sim: { receiptDelayMs: 20 }, stack: () => ({ extra: { journal: { maxAgeMs: 500 } } }) });

  it('delivers 1,000 messages and brings one DELIVRD receipt per message back', async () => {
    const client = await connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'acmepw', mode: 'transceiver' });
    const N = 1_000;
    const ids: string[] = new Array(N);
    const expected = new Map<string, string>(); // destination → text
    let next = 0;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        const m = messageFor(i);
        const destination = `4479${String(i).padStart(8, '0')}`;
        expected.set(destination, m.text);
        const long = m.bytes.length > 254;
        const resp = await client.submit({
          source_addr_ton: 5, source_addr_npi: 0, source_addr: 'ACME',
          dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: destination,
          registered_delivery: 1,
          data_coding: m.dc,
          short_message: long ? Buffer.alloc(0) : m.bytes,
          tlvs: long ? [{ tag: TLV.message_payload, value: m.bytes }] : [],
        });
        expect(resp.status).toBe(0);
        expect(resp.message_id).toMatch(UUID);
        ids[i] = resp.message_id!;
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    expect(new Set(ids).size).toBe(N);

    // One receipt per message, id: = its UUID, stat DELIVRD, plus the TLVs.
    await client.waitForReceipts(N, 60_000);
    const receipts = client.receipts as Pdu[];
    expect(receipts.length).toBe(N);
    const byId = new Map<string, Pdu>();
    for (const r of receipts) {
      expect(r.esm_class! & 0x3c).toBe(0x04);
      const parsed = parseReceiptText(r.short_message!.toString('latin1'));
      expect(parsed.stat).toBe('DELIVRD');
      expect(getTlv(r, TLV.receipted_message_id)?.toString('latin1').replace(/\0$/, '')).toBe(parsed.id);
      expect(getTlv(r, TLV.message_state)?.[0]).toBe(2);
      byId.set(parsed.id!, r);
    }
    expect([...byId.keys()].sort()).toEqual([...ids].sort());

    // The simulator got every message with the right text, long ones reassembled.
    const got = new Map(env.sim.messages().map((m) => [m.destination, m]));
    expect(got.size).toBe(N);
    for (const [dest, text] of expected) expect(got.get(dest)?.text, dest).toBe(text);
    expect(env.sim.messages().filter((m) => m.parts === 2).length).toBe(N / 4); // 300 GSM septets = 2 parts of ≤ 153

    // The state store says DELIVERED.
    const store = await openStateStore(env.stack.state, env.ns.redis, env.ns.prefix);
    const states = await Promise.all(ids.map((id) => store.get(id))).finally(() => store.close());
    expect(states.every((r) => r?.state === 'DELIVERED')).toBe(true);

    // S3 holds journal records for all of them: accepted and final, each once.
    const s3 = createS3Client({ endpoint: env.stack.s3.endpoint, region: 'us-east-1', forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    const seen = new Map<string, Set<string>>();
    const deadline = Date.now() + 30_000;
    const readAll = async () => {
      seen.clear();
      for (const bucket of ['proxy', 'mcp']) {
        const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'events/' }));
        for (const o of list.Contents ?? []) {
          expect(o.Key).toMatch(/^events\/v1\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/.+\.ndjson\.gz$/);
          const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
          const body = gunzipSync(Buffer.from(await obj.Body!.transformToByteArray())).toString('utf8');
          for (const line of body.split('\n').filter(Boolean)) {
            const rec = JSON.parse(line) as { id?: string; ev: string };
            if (!rec.id) continue;
            const evs = seen.get(rec.id) ?? new Set();
            evs.add(rec.ev);
            seen.set(rec.id, evs);
          }
        }
      }
    };
    do {
      await readAll();
      if (ids.every((id) => seen.get(id)?.has('final') && seen.get(id)?.has('accepted'))) break;
      await new Promise((r) => setTimeout(r, 500));
    } while (Date.now() < deadline);
    for (const id of ids) {
      expect(seen.get(id), id).toBeDefined();
      expect([...seen.get(id)!]).toEqual(expect.arrayContaining(['accepted', 'routed', 'submitted', 'final']));
    }
    // The DuckDB query of docs/journals.md, run on a copy of the bucket (as `aws s3 cp --recursive` makes):
    // delivered vs failed per client per hour over exactly these objects.
    const copy = mkdtempSync(join(tmpdir(), 'smsgw-duckdb-'));
    try {
      const list = await s3.send(new ListObjectsV2Command({ Bucket: 'proxy', Prefix: 'events/' }));
      for (const o of list.Contents ?? []) {
        const obj = await s3.send(new GetObjectCommand({ Bucket: 'proxy', Key: o.Key! }));
        mkdirSync(dirname(join(copy, o.Key!)), { recursive: true });
        writeFileSync(join(copy, o.Key!), Buffer.from(await obj.Body!.transformToByteArray()));
      }
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      const rows = (await conn.runAndReadAll(`
        SELECT sys AS client,
               date_trunc('hour', to_timestamp(ts / 1000)) AS hour,
               count(*) FILTER (WHERE state = 'DELIVERED') AS delivered,
               count(*) FILTER (WHERE state <> 'DELIVERED') AS failed
        FROM (
          SELECT DISTINCT ON (eid) eid, sys, ts, state
          FROM read_json_auto('${copy}/events/v1/*/*/*.ndjson.gz', hive_partitioning = true, union_by_name = true)
          WHERE ev = 'final' AND dt >= '2000-01-01'
        )
        GROUP BY ALL
        ORDER BY hour, client`)).getRowObjects() as Array<{ client: string; delivered: bigint; failed: bigint }>;
      conn.closeSync();
      expect(rows.every((r) => r.client === 'acme')).toBe(true);
      expect(rows.reduce((n, r) => n + Number(r.delivered), 0)).toBe(N);
      expect(rows.reduce((n, r) => n + Number(r.failed), 0)).toBe(0);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
    s3.destroy();
    await client.close();
  }, 120_000);
});

describe('receipts that beat their submit_sm_resp (SMSC sends the receipt first)', () => {
  const env = useStack('e2e-race', { sim: { receiptBeforeResp: true, receiptDelayMs: 0 }, stack: () => ({ extra: { dlr: { retryDelayMs: 100 } } }) });

  it('still correlates every receipt and delivers one DELIVRD receipt per message', async () => {
    const client = await connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'acmepw', mode: 'transceiver' });
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const resp = await client.submit({
        source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: `4477009${String(i).padStart(5, '0')}`,
        registered_delivery: 1, short_message: encodeGsm7(`race ${i}`)!,
      });
      expect(resp.status).toBe(0);
      ids.push(resp.message_id!);
    }
    await client.waitForReceipts(100, 30_000);
    const stats = client.receipts.map((r) => parseReceiptText(r.short_message!.toString('latin1')));
    expect(stats.map((s) => s.stat)).toEqual(new Array(100).fill('DELIVRD'));
    expect(stats.map((s) => s.id).sort()).toEqual([...ids].sort());
    await client.close();
  }, 60_000);
});
