import { promisify } from 'node:util';
import { createGzip, gzip as gzipCb, type ZlibOptions } from 'node:zlib';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

const gzip = promisify(gzipCb);

/**
 * gzip of consecutive chunks, without joining them first: deflate's output does not depend on
 * how its input is split (no flush before the end), so the bytes are those of gzip() of the
 * whole (journal-sink.test.ts checks it); a batch's NDJSON is never copied into one buffer.
 */
export function gzipChunks(chunks: readonly Uint8Array[], options: ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = createGzip(options);
    const out: Buffer[] = [];
    z.on('data', (c: Buffer) => out.push(c));
    z.on('end', () => resolve(Buffer.concat(out)));
    z.on('error', reject);
    for (const c of chunks) z.write(c);
    z.end();
  });
}

export type JournalBucket = 'proxy' | 'mcp';

export interface JournalSinkOptions {
  client: S3Client;
  buckets: { proxy: string; mcp: string };
  /** Name of the exporter instance; part of the key so two exporters never overwrite each other. */
  instance: string;
}

export interface JournalRange {
  /** First and last stream id of the batch, e.g. `1700000000000-0`. */
  first: string;
  last: string;
}

export interface JournalSink {
  /** Uploads one batch as one gzip NDJSON object; the same batch uploaded again overwrites it. */
  putBatch(
    bucket: JournalBucket,
    kind: string,
    records: object[],
    range: JournalRange,
    at: Date,
  ): Promise<{ key: string; bytes: number }>;
  /**
   * The key this sink's instance gives a batch (see journalObjectKey). The exporter records it
   * before the upload so that whoever finishes the batch writes the very same object.
   */
  keyFor(kind: string, range: JournalRange, at: Date): string;
  /** Uploads records as gzip NDJSON under a key computed earlier (possibly by another instance). */
  putRecords(bucket: JournalBucket, key: string, records: object[]): Promise<{ key: string; bytes: number }>;
  /**
   * Uploads NDJSON made already (one JSON document per line) as gzip, like putRecords: a string,
   * or its UTF-8 bytes, whole or in consecutive chunks.
   */
  putNdjson(bucket: JournalBucket, key: string, ndjson: string | Uint8Array | readonly Uint8Array[]): Promise<{ key: string; bytes: number }>;
  /** Uploads one JSON document (statistics snapshots). */
  putJson(bucket: JournalBucket, key: string, value: unknown): Promise<{ key: string; bytes: number }>;
  /** Whether the object exists (false on 404 only; other errors throw). */
  exists(bucket: JournalBucket, key: string): Promise<boolean>;
}

// Key segments come from config and stream ids; '/' would add partition levels.
const SEGMENT = /^[A-Za-z0-9._-]+$/;

function assertSegment(what: string, v: string): void {
  if (!SEGMENT.test(v)) throw new RangeError(`${what} '${v}' may only hold letters, digits, '.', '_' and '-'`);
}

/**
 * `<kind>/v1/dt=YYYY-MM-DD/hour=HH/<instance>-<first>-<last>.ndjson.gz`, hour in UTC. Hive-style
 * partitions let Athena/Spark prune by day and hour; the name depends only on the batch, so an
 * upload retried after a crash (the stream entries were not acked) replaces the same object.
 */
export function journalObjectKey(kind: string, instance: string, range: JournalRange, at: Date): string {
  assertSegment('kind', kind);
  assertSegment('instance', instance);
  assertSegment('range.first', range.first);
  assertSegment('range.last', range.last);
  const iso = at.toISOString(); // always UTC: 2024-03-01T07:…
  return `${kind}/v1/dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/${instance}-${range.first}-${range.last}.ndjson.gz`;
}

/**
 * `stats/v1/dt=YYYY-MM-DD/hour=HH/<from>-<minutes>m.json`: one object per period, named by the
 * period alone (not the instance), so every exporter writing a period's snapshot writes the
 * same object.
 */
export function statsObjectKey(from: Date, minutes: number): string {
  if (!Number.isInteger(minutes) || minutes < 1) throw new RangeError(`minutes '${minutes}' must be a positive integer`);
  const iso = from.toISOString();
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}T${iso.slice(11, 16).replace(':', '')}Z`;
  return `stats/v1/dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/${stamp}-${minutes}m.json`;
}

export function toNdjson(records: object[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

export function createJournalSink(opts: JournalSinkOptions): JournalSink {
  const { client, buckets, instance } = opts;
  assertSegment('instance', instance);
  const putNdjson = async (bucket: JournalBucket, key: string, ndjson: string | Uint8Array | readonly Uint8Array[]) => {
    const chunks = typeof ndjson === 'string' ? [Buffer.from(ndjson)] : ndjson instanceof Uint8Array ? [ndjson] : ndjson;
    if (!chunks.some((c) => c.length > 0)) throw new RangeError('putNdjson needs at least one record');
    // Level 3: a quarter of the CPU of the default level 6 for objects ~5% larger (measured).
    const body = await (chunks.length === 1 ? gzip(chunks[0], { level: 3 }) : gzipChunks(chunks, { level: 3 }));
    await client.send(
      new PutObjectCommand({
        Bucket: buckets[bucket],
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentType: 'application/x-ndjson',
        ContentEncoding: 'gzip',
      }),
    );
    return { key, bytes: body.length };
  };
  const putRecords = async (bucket: JournalBucket, key: string, records: object[]) => {
    if (records.length === 0) throw new RangeError('putRecords needs at least one record');
    return putNdjson(bucket, key, toNdjson(records));
  };
  return {
    keyFor: (kind, range, at) => journalObjectKey(kind, instance, range, at),
    putRecords,
    putNdjson,
    putBatch: (bucket, kind, records, range, at) => putRecords(bucket, journalObjectKey(kind, instance, range, at), records),
    async putJson(bucket, key, value) {
      const body = Buffer.from(`${JSON.stringify(value)}\n`);
      await client.send(
        new PutObjectCommand({ Bucket: buckets[bucket], Key: key, Body: body, ContentLength: body.length, ContentType: 'application/json' }),
      );
      return { key, bytes: body.length };
    },
    async exists(bucket, key) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: buckets[bucket], Key: key }));
        return true;
      } catch (err) {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return false;
        throw err;
      }
    },
  };
}

/** Creates each bucket unless it exists already (ours or, on a shared store, someone else's). */
export async function ensureBuckets(client: S3Client, names: string[]): Promise<void> {
  for (const Bucket of names) {
    try {
      await client.send(new CreateBucketCommand({ Bucket }));
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
    }
  }
}
