/**
 * `npx tsx apps/journal-exporter/src/batch-bench.ts [records] [perEntry] [rounds]`: the
 * exporter's CPU per record in one process, without Redis or S3 — stream entries decoded as the
 * consumer decodes them, then the batcher's whole export (build, NDJSON, gzip, statistics)
 * against a ledger and an S3 client that only take what they are given. Prints one JSON line:
 * records/s and CPU µs per record (process.cpuUsage), best and median of the rounds.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { ENTRY_FIELD } from '@smsgw/contracts';
import { createAppMetrics, createMetricsRegistry } from '@smsgw/platform';
import { decodeFields, type StreamEntry } from '@smsgw/redis';
import { createJournalSink } from '@smsgw/s3';
import type { BatchLedger } from './batch-ledger';
import { createJournalBatcher } from './journal-batcher';

const RECORDS = Number(process.argv[2] ?? 20_000);
const PER_ENTRY = Number(process.argv[3] ?? 100);
const ROUNDS = Number(process.argv[4] ?? 15);

// What the stages write for one message (accepted, routed, submitted, receipt, final,
// delivered_to_client), a few hundred messages a second apart.
function streamEntries(round: number): Array<[string, string]> {
  const t = Date.UTC(2024, 2, 1, 7, 55) + round * 1_000;
  const recs: object[] = [];
  for (let m = 0; recs.length < RECORDS; m++) {
    const id = randomUUID();
    const ts = t + m * 3;
    const base = { id, sys: 'acme' };
    recs.push(
      { ts, ev: 'accepted', ...base, src: 'ACME', dst: '447900000000' },
      { ts, ev: 'routed', ...base, pool: 'uk' },
      { ts: ts + 1, ev: 'submitted', ...base, smsc: 'sim', seg: 1, part: 1, dc: 0, smscMsgId: `s${m}`, latencyMs: 3 },
      { ts: ts + 40, ev: 'receipt', id, smsc: 'sim', state: 'DELIVERED', smscMsgId: `s${m}` },
      { ts: ts + 40, ev: 'final', ...base, smsc: 'sim', state: 'DELIVERED', latencyMs: 41 },
      { ts: ts + 41, ev: 'delivered_to_client', ...base },
    );
  }
  recs.length = RECORDS;
  const out: Array<[string, string]> = [];
  for (let i = 0; i < recs.length; i += PER_ENTRY) out.push([`${t + i}-${i % 3}`, JSON.stringify(recs.slice(i, i + PER_ENTRY))]);
  return out;
}

const ledger: BatchLedger = {
  open: async () => ({ ok: true }),
  lookup: async () => new Map(),
  load: async () => undefined,
  fetch: async () => new Map(),
  close: async () => true,
  duePeriods: async () => [],
  readStats: async () => ({ total: 0, counts: new Map() }),
  markSnapshot: async () => true,
  keys: { open: 'o', batch: (id) => id, stats: (p) => String(p), statsDue: 'd' },
};
let bytes = 0;
const client = { send: async (cmd: { input: { Body: Buffer } }) => void (bytes += cmd.input.Body.length) };
const sink = createJournalSink({ client: client as never, buckets: { proxy: 'p', mcp: 'm' }, instance: 'bench-1' });
const batcher = createJournalBatcher({
  ledger, store: sink, instance: 'bench-1', maxRecords: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: 60_000,
  statsPeriodMs: 5 * 60_000, metrics: createAppMetrics(createMetricsRegistry('bench')), logger: pino({ level: 'silent' }),
});

const rounds: Array<{ cpuUs: number; wallMs: number; decodeCpuUs: number }> = [];
for (let r = 0; r < ROUNDS; r++) {
  const raw = streamEntries(r);
  const c0 = process.cpuUsage();
  // The consumer's decode is not the exporter's code, but it is its CPU: measured apart.
  const entries: StreamEntry[] = raw.map(([id, json]) => ({ id, ...decodeFields([ENTRY_FIELD, json]), deliveries: 1 }));
  const c1 = process.cpuUsage(c0);
  const w0 = performance.now();
  const c2 = process.cpuUsage();
  await batcher.handler(entries);
  await batcher.flush();
  const c3 = process.cpuUsage(c2);
  rounds.push({ cpuUs: c3.user + c3.system, wallMs: performance.now() - w0, decodeCpuUs: c1.user + c1.system });
}
// The first rounds warm the JIT up.
const steady = rounds.slice(Math.min(3, ROUNDS - 1));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpu = steady.map((x) => x.cpuUs / RECORDS);
console.log(JSON.stringify({
  records: RECORDS,
  perEntry: PER_ENTRY,
  rounds: steady.length,
  exportCpuUsPerRecord: { best: Number(Math.min(...cpu).toFixed(2)), median: Number(median(cpu).toFixed(2)) },
  recordsPerSecond: { best: Math.round(RECORDS / (Math.min(...steady.map((x) => x.wallMs)) / 1000)), median: Math.round(RECORDS / (median(steady.map((x) => x.wallMs)) / 1000)) },
  decodeCpuUsPerRecord: Number(median(steady.map((x) => x.decodeCpuUs / RECORDS)).toFixed(2)),
  gzipBytesPerRecord: Number((bytes / RECORDS / ROUNDS).toFixed(1)),
  node: process.version,
}));
