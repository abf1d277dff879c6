import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ENTRY_FIELD } from '@smsgw/contracts';
import { createAppMetrics, createMetricsRegistry } from '@smsgw/platform';
import { decodeFields, type StreamEntry } from '@smsgw/redis';
import { createJournalSink } from '@smsgw/s3';
import type { BatchLedger, BatchManifest } from './batch-ledger';
import { createJournalBatcher } from './journal-batcher';

/**
 * Pins the bytes the exporter uploads for a fixed batch: object keys, buckets, NDJSON lines
 * (key order included), the manifest it records and the statistics it adds. The expectation
 * (batch-output.golden.txt) was written by the exporter as it was before its hot path was made
 * cheaper; any change here changes what readers of the buckets get.
 */

const T = Date.UTC(2024, 2, 1, 7, 59, 59, 998);
const U = (n: number) => `0b9c5b7e-2f1d-4c1a-9d57-00000000000${n}`;

// Stream entries as the stages write them (JSON text, one field), deliberately out of stream order.
const ENTRIES: Array<[id: string, json: string]> = [
  ['1709279999000-10', JSON.stringify([
    { ts: T + 1, ev: 'submitted', id: U(1), sys: 'acme', smsc: 'sim', seg: 2, part: 1, dc: 8, smscMsgId: 'ab12', latencyMs: 12.5 },
    { ts: T + 1, ev: 'submitted', id: U(1), sys: 'acme', smsc: 'sim', seg: 2, part: 2, dc: 8, smscMsgId: 'ab13' },
    { ts: T + 2, ev: 'receipt', id: U(1), part: 2, smsc: 'sim', state: 'DELIVERED', smscMsgId: 'ab13' },
    { ts: T + 3, ev: 'final', id: U(1), sys: 'acme', smsc: 'sim', state: 'DELIVERED', latencyMs: 4 },
    { ts: T + 3, ev: 'delivered_to_client', id: U(1), sys: 'acme' },
  ])],
  ['1709279999000-2', JSON.stringify([
    { ts: T, ev: 'accepted', id: U(1), sys: 'acme', src: 'ACME', dst: '447700900001', text: 'caf\u00e9 "quoted" \\ back\nnew line \u2028 \ud83d\ude00 <tag>' },
    { ts: T, ev: 'accepted', id: U(2), cid: 'c-77', sys: 'b\u00e9ta|"x"', src: '12345', dst: '447700900002' },
    { ts: T, ev: 'routed', id: U(1), sys: 'acme', pool: 'uk' },
    { ts: T, ev: 'rejected', id: U(2), sys: 'b\u00e9ta|"x"', stage: 'blacklist', reason: 'listed', err: 11 },
  ])],
  // A single object rather than a list; a float timestamp; an explicit bucket.
  ['999-7', JSON.stringify({ ts: T - 3_600_000 + 0.5, ev: 'deferred', id: U(3), sys: 'acme', stage: 'quiet-hours', bucket: 'mcp' })],
  ['1709279999000-3', JSON.stringify([
    { ts: T - 1, ev: 'scheduled', id: U(4), sys: 'acme' },
    { ts: T, ev: 'submit_failed', id: U(4), smsc: 'sim', err: 69, reason: 'throttled' },
    { ts: T, ev: 'retried', id: U(4), smsc: 'sim' },
    { ts: T + 2, ev: 'receipt_orphaned', smsc: 'sim', smscMsgId: 'zz' }, // no message id: eid '-:…'
    { ts: T + 2, ev: 'receipt_expired', id: U(4), state: 'EXPIRED' },
    { ts: T + 2, ev: 'mo_received', id: U(5), src: '447700900009', dst: '12345', sys: 'acme' },
    { ts: T + 2, ev: 'mo_unroutable', id: U(6), src: '447700900009', dst: '99999' },
    { ts: T + 2, ev: 'replaced', id: U(4), sys: 'acme' },
    // Producers' own eid and app keep the position of the derived ones.
    { ts: T + 2, ev: 'dead_lettered', eid: 'dead:sender:1-0', app: 'sender', reason: 'poison' },
  ])],
  ['1709279999000-4', JSON.stringify([
    { ts: T + 5, ev: 'log', app: 'policy-worker', level: 40, msg: 'rules reloaded', eid: 'log:policy-worker:1' },
    { ts: T + 6, ev: 'log', app: 'sender', level: 50, msg: 'bind failed', eid: 'log:sender:1' },
    { ts: T + 7, ev: 'audit', eid: 'audit:1', who: 'ops-alice', role: 'operator', action: 'client.update', target: 'acme', before: { rate: 10, tags: ['a'] }, after: { rate: 20, tags: [] } },
    { ts: T + 8, ev: 'metrics', app: 'sender', instance: 'sender-1', eid: 'metrics:sender-1:1', metrics: [{ name: 'x_total', type: 'counter', values: [{ value: 3, labels: { a: 'b' } }] }] },
  ])],
  // Repeats of earlier events (an upstream redelivery) and foreign items.
  ['1709279999000-11', JSON.stringify([
    { ts: T + 3, ev: 'final', id: U(1), sys: 'acme', smsc: 'sim', state: 'DELIVERED', latencyMs: 4 },
    null,
    7,
    { ts: '1', ev: 'accepted', id: U(7) },
    { ts: T, ev: 'nope', id: U(7) },
    { ev: 'accepted', id: U(7) },
    { ts: T + 9, ev: 'final', id: U(2), sys: 'b\u00e9ta|"x"', state: 'REJECTD' },
  ])],
  ['1709279999000-12', '{"not json'],
  // Unusual keys a producer could send: an index-like key, `__proto__`, an explicit `v`, nested values.
  ['1709279999001-0', '[{"ts":1709279999999,"ev":"accepted","id":"odd","__proto__":{"x":1},"7":"seven","v":2,"extra":{"b":[1,{"c":null}],"a":-0}}]'],
  ['1709279999001-1', JSON.stringify([
    { ts: T + 10, ev: 'accepted', id: 'q"uote\\back\u0001', sys: 'acme', text: 'lone \ud800 surrogate' },
    { ts: T + 10, ev: 'receipt', id: 42, part: '2"', sys: { n: 1 }, state: ['x'] },
    { ts: T + 10, ev: 'final', id: 42, sys: { n: 1 }, state: ['x'] },
    { ts: T + 10, ev: 'final', id: 43, sys: { n: 1 }, state: ['x'] }, // equal, not the same, values: one count
    { ts: T + 10, ev: 'submitted', id: U(8), part: 0, app: 'sender-2', sys: 'acme' },
    { ts: T + 10, ev: 'routed', id: U(8), v: 1, sys: 'acme' },
    { ts: T + 10, ev: 'routed', id: U(9), '10': 'ten', '2': 'two', sys: 'acme' },
  ])],
  ['1709279999001-2', '[{"ts":1709279999999,"ev":"routed","id":"proto","__proto__":{"y":2},"sys":"acme"}]'],
  // Around the epoch: fractions and negative times take the hour Date gives them.
  ['1709279999001-3', JSON.stringify([
    { ts: -0.5, ev: 'accepted', id: 'e1' },
    { ts: -1, ev: 'accepted', id: 'e2' },
    { ts: -3_600_000.5, ev: 'accepted', id: 'e3' },
    { ts: 3_599_999.9, ev: 'accepted', id: 'e4' },
    { ts: 3_600_000, ev: 'accepted', id: 'e5' },
    { ts: 0, ev: 'accepted', id: 'e6' },
  ])],
];

function fakeLedger() {
  const opened: BatchManifest[] = [];
  const stats: Array<[number, Array<[string, number]>]> = [];
  const ledger: BatchLedger = {
    open: async (m) => (opened.push(m), { ok: true }),
    lookup: async () => new Map(),
    load: async () => undefined,
    fetch: async () => new Map(),
    close: async (_m, s) => {
      for (const [period, counts] of s) stats.push([period, [...counts]]);
      return true;
    },
    duePeriods: async () => [],
    readStats: async () => ({ total: 0, counts: new Map() }),
    markSnapshot: async () => true,
    keys: { open: 'o', batch: (id) => id, stats: (p) => String(p), statsDue: 'd' },
  };
  return { ledger, opened, stats };
}

async function exportFixture(order: 'as-listed' | 'reversed'): Promise<string> {
  const puts: Array<{ Bucket: string; Key: string; Body: Buffer; ContentType: string; ContentEncoding?: string }> = [];
  const client = { send: async (cmd: { input: (typeof puts)[number] }) => void puts.push(cmd.input) };
  const sink = createJournalSink({ client: client as never, buckets: { proxy: 'b-proxy', mcp: 'b-mcp' }, instance: 'exp-1' });
  const { ledger, opened, stats } = fakeLedger();
  const batcher = createJournalBatcher({
    ledger, store: sink, instance: 'exp-1', maxRecords: 1_000_000, maxBytes: 1 << 30, maxAgeMs: 60_000,
    statsPeriodMs: 5 * 60_000, metrics: createAppMetrics(createMetricsRegistry('golden')), logger: pino({ level: 'silent' }), now: () => 0,
  });
  const list = order === 'reversed' ? [...ENTRIES].reverse() : ENTRIES;
  const entries: StreamEntry[] = list.map(([id, json]) => ({ id, ...decodeFields([ENTRY_FIELD, json]), deliveries: 1 }));
  await batcher.handler(entries);
  await batcher.flush();
  const out: string[] = [`manifest ${JSON.stringify(opened)}`, `stats ${JSON.stringify(stats)}`];
  for (const p of puts) {
    const ndjson = gunzipSync(p.Body);
    // The very gzip bytes too: those of the NDJSON in one piece at level 3, as ever.
    expect(p.Body.equals(gzipSync(ndjson, { level: 3 })), p.Key).toBe(true);
    out.push(`object ${p.Bucket} ${p.Key} ${p.ContentType} ${p.ContentEncoding}`);
    out.push(ndjson.toString('utf8'));
  }
  return out.join('\n');
}

describe('the exported batch (golden)', () => {
  const golden = readFileSync(new URL('./batch-output.golden.txt', import.meta.url), 'utf8');

  it('uploads the same keys and bytes, records the same manifest and statistics', async () => {
    expect(await exportFixture('as-listed')).toBe(golden);
  });

  it('whatever order the entries were read in', async () => {
    expect(await exportFixture('reversed')).toBe(golden);
  });
});
