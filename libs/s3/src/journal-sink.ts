import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

const gzip = promisify(gzipCb);

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

export function toNdjson(records: object[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

export function createJournalSink(opts: JournalSinkOptions): JournalSink {
  const { client, buckets, instance } = opts;
  assertSegment('instance', instance);
  return {
    async putBatch(bucket, kind, records, range, at) {
      if (records.length === 0) throw new RangeError('putBatch needs at least one record');
      const key = journalObjectKey(kind, instance, range, at);
      // Level 3: a quarter of the CPU of the default level 6 for objects ~5% larger (measured).
      const body = await gzip(Buffer.from(toNdjson(records)), { level: 3 });
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
