import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GROUPS, streamNames } from '@smsgw/contracts';
import { createAppMetrics, createMetricsRegistry } from '@smsgw/platform';
import { decodeFields, ensureGroup, xaddEntry, type StreamEntry } from '@smsgw/redis';
import { journalObjectKey } from '@smsgw/s3';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { createBatchLedger } from './batch-ledger';
import { createJournalBatcher, type ObjectStore } from './journal-batcher';

const T = Date.UTC(2024, 2, 1, 7, 10);
const ev = (id: string, e = 'accepted') => ({ ts: T, ev: e, id, sys: 'acme', smsc: 'sim', state: e === 'final' ? 'DELIVERED' : undefined });

/** An in-memory object store; `hold` makes uploads hang (an exporter dying mid-upload). */
function memoryStore(instance: string) {
  const objects = new Map<string, object[]>();
  const puts: string[] = [];
  let hold = false;
  const store: ObjectStore = {
    keyFor: (kind, range, at) => journalObjectKey(kind, instance, range, at),
    putNdjson: async (bucket, key, ndjson) => {
      if (hold) return new Promise(() => undefined);
      puts.push(`${bucket}/${key}`);
      objects.set(`${bucket}/${key}`, Buffer.concat(ndjson).toString('utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l) as object));
    },
    exists: async (bucket, key) => objects.has(`${bucket}/${key}`),
  };
  return { store, objects, puts, hold: (v: boolean) => (hold = v) };
}

describe('journal batcher against Redis: exactly-once objects', () => {
  let ns: RedisNamespace;
  let stream: string;
  const logger = pino({ level: 'silent' });

  beforeEach(async () => {
    ns = await redisNamespace('journal-batcher');
    stream = streamNames(ns.prefix).journal;
    await ensureGroup(ns.redis, stream, GROUPS.journal);
  });
  afterEach(() => ns.cleanup());

  const exporter = (consumer: string, store: ObjectStore) => {
    const ledger = createBatchLedger({ redis: ns.redis, stream, group: GROUPS.journal, consumer });
    const batcher = createJournalBatcher({
      ledger, store, instance: consumer, maxRecords: 1_000, maxBytes: 1 << 20, maxAgeMs: 60_000,
      retryMinMs: 10, retryMaxMs: 20, statsPeriodMs: 5 * 60_000,
      metrics: createAppMetrics(createMetricsRegistry('t')), logger,
    });
    return { ledger, batcher };
  };
  const read = async (consumer: string): Promise<StreamEntry[]> => {
    const res = (await ns.redis.xreadgroup('GROUP', GROUPS.journal, consumer, 'COUNT', 100, 'STREAMS', stream, '>')) as [string, [string, string[]][]][] | null;
    return (res?.[0][1] ?? []).map(([id, f]) => ({ id, ...decodeFields(f), deliveries: 1 }));
  };
  /** What the stream consumer's reclaim pass hands the handler. */
  const claim = async (consumer: string): Promise<StreamEntry[]> => {
    const pending = (await ns.redis.xpending(stream, GROUPS.journal, '-', '+', 100)) as [string, string, number, number][];
    const rows = (await ns.redis.xclaim(stream, GROUPS.journal, consumer, 0, ...pending.map((p) => p[0]))) as [string, string[]][];
    return rows.map(([id, f]) => ({ id, ...decodeFields(f), deliveries: 2 }));
  };
  const pendingCount = async () => ((await ns.redis.xpending(stream, GROUPS.journal)) as [number])[0];

  it('uploads a batch, then acks it and forgets it', async () => {
    await xaddEntry(ns.redis, stream, [ev('a'), ev('b')]);
    await xaddEntry(ns.redis, stream, [ev('a', 'final'), { ts: T, ev: 'routed', id: 'a' }]);
    const mem = memoryStore('A');
    const { ledger, batcher } = exporter('A', mem.store);
    await batcher.handler(await read('A'));
    await batcher.flush();
    expect(mem.puts.map((p) => p.split('/')[0])).toEqual(['proxy', 'mcp']);
    expect([...mem.objects.values()].flat()).toHaveLength(4);
    expect(await pendingCount()).toBe(0);
    expect(await ns.redis.hlen(ledger.keys.open)).toBe(0);
    const [period] = await ledger.duePeriods(Date.now());
    expect(period).toBe(Date.UTC(2024, 2, 1, 7, 10));
    expect((await ledger.readStats(period)).total).toBe(4);
  });

  it('an exporter that dies mid-upload: the next one re-uploads exactly that batch under the same keys', async () => {
    for (let i = 0; i < 5; i++) await xaddEntry(ns.redis, stream, [ev(`m${i}`), ev(`m${i}`, 'final')]);
    const a = memoryStore('A');
    a.hold(true);
    const A = exporter('A', a.store);
    await A.batcher.handler(await read('A'));
    void A.batcher.flush(); // hangs in the upload: the batch is open in Redis
    await new Promise((r) => setTimeout(r, 50));
    const manifestKeys = await ns.redis.hgetall(A.ledger.keys.open);
    const [batch] = new Set(Object.values(manifestKeys));
    const manifest = (await A.ledger.load(batch))!;
    expect(manifest.ids).toHaveLength(5);

    // Meanwhile new entries arrive and another exporter reads them; then it takes over A's.
    await xaddEntry(ns.redis, stream, [ev('late')]);
    const b = memoryStore('B');
    const B = exporter('B', b.store);
    await B.batcher.handler(await read('B'));
    await B.batcher.handler(await claim('B'));
    // A's batch, complete and under A's recorded key; nothing of B's own entries mixed in.
    expect(b.puts).toEqual(manifest.objects.map((o) => `${o.bucket}/${o.key}`));
    expect(b.puts[0]).toContain(`/A-${manifest.ids[0]}-${manifest.ids[4]}.ndjson.gz`);
    expect((b.objects.get(b.puts[0]) as { eid: string }[]).map((r) => r.eid)).toHaveLength(10);
    expect(await A.ledger.load(batch)).toBeUndefined();
    expect(B.batcher.pendingRecords).toBe(1); // `late` waits for B's next batch
    await B.batcher.flush();
    expect(await pendingCount()).toBe(0);
    // The statistics counted the replayed batch once.
    const [period] = await B.ledger.duePeriods(Date.now());
    expect((await B.ledger.readStats(period)).total).toBe(11);
    // A batch already closed cannot be closed (nor counted) again.
    expect(await A.ledger.close(manifest, new Map([[period, new Map([['x', 1]])]]))).toBe(false);
    expect((await B.ledger.readStats(period)).total).toBe(11);
  });

  it('entries taken over before their batch was recorded are exported by the taker only', async () => {
    for (let i = 0; i < 4; i++) await xaddEntry(ns.redis, stream, [ev(`m${i}`)]);
    const a = memoryStore('A');
    const A = exporter('A', a.store);
    await A.batcher.handler(await read('A')); // collecting, not yet recorded
    const b = memoryStore('B');
    const B = exporter('B', b.store);
    await B.batcher.handler(await claim('B')); // A looked dead to B
    await B.batcher.flush();
    await A.batcher.flush(); // A wakes up: its batch is fenced off
    expect(b.puts).toHaveLength(1);
    expect(a.puts).toHaveLength(0);
    expect(await pendingCount()).toBe(0);
  });

  it('its own reclaim of a batch it is still uploading neither duplicates nor re-batches it', async () => {
    await xaddEntry(ns.redis, stream, [ev('x')]);
    let fail = 3;
    const mem = memoryStore('A');
    const store: ObjectStore = { ...mem.store, putNdjson: async (...args) => (fail-- > 0 ? Promise.reject(new Error('S3 away')) : mem.store.putNdjson(...args)) };
    const A = exporter('A', store);
    await A.batcher.handler(await read('A'));
    const flushing = A.batcher.flush();
    const again = A.batcher.handler(await claim('A')); // waits for the export, then finds nothing to do
    await flushing;
    await again;
    await A.batcher.flush();
    expect(mem.puts).toHaveLength(1);
    expect(A.batcher.pendingRecords).toBe(0);
    expect(await pendingCount()).toBe(0);
  });
});
