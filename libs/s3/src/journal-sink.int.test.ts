import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_S3_CREDENTIALS, startEmbeddedS3, type EmbeddedS3 } from './embedded-s3';
import { createJournalSink, ensureBuckets } from './journal-sink';
import { createS3Client } from './s3-client';

describe('journal sink against the embedded S3 server', () => {
  let dir: string;
  let s3: EmbeddedS3;
  let client: S3Client;
  const buckets = { proxy: 'proxy', mcp: 'mcp' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smsgw-s3-'));
    s3 = await startEmbeddedS3({ dir, port: 0 });
    client = createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', ...EMBEDDED_S3_CREDENTIALS, requestTimeoutMs: 5000 });
    await ensureBuckets(client, [buckets.proxy, buckets.mcp]);
    await ensureBuckets(client, [buckets.proxy]); // second time: already ours, no error
  });

  afterAll(async () => {
    client?.destroy();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const records = Array.from({ length: 25 }, (_, i) => ({
    v: 1,
    eid: `m${i}:accepted:0:0`,
    ts: 1_700_000_000_000 + i,
    ev: 'accepted',
    bucket: 'proxy',
    app: 'ingress',
    id: `m${i}`,
    reason: 'ünïcode ✓',
  }));
  const range = { first: '1700000000000-0', last: '1700000000024-0' };
  const at = new Date('2024-03-01T07:15:00Z');

  it('uploads one gzip NDJSON object that reads back as the records', async () => {
    const sink = createJournalSink({ client, buckets, instance: 'exp-1' });
    const put = await sink.putBatch('proxy', 'events', records, range, at);
    expect(put.key).toBe('events/v1/dt=2024-03-01/hour=07/exp-1-1700000000000-0-1700000000024-0.ndjson.gz');

    const got = await client.send(new GetObjectCommand({ Bucket: 'proxy', Key: put.key }));
    expect(got.ContentType).toBe('application/x-ndjson');
    expect(got.ContentEncoding).toBe('gzip');
    const body = Buffer.from(await got.Body!.transformToByteArray());
    expect(body.length).toBe(put.bytes);
    const lines = gunzipSync(body).toString('utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(records);
  });

  it('overwrites on a re-upload of the same range and lists the partitioned key', async () => {
    const sink = createJournalSink({ client, buckets, instance: 'exp-2' });
    const first = await sink.putBatch('mcp', 'decisions', records.slice(0, 3), range, at);
    const again = await sink.putBatch('mcp', 'decisions', records.slice(0, 3), range, new Date('2024-03-01T07:59:00Z'));
    expect(again.key).toBe(first.key);
    const list = await client.send(new ListObjectsV2Command({ Bucket: 'mcp', Prefix: 'decisions/v1/' }));
    expect(list.Contents?.map((o) => o.Key)).toEqual([
      'decisions/v1/dt=2024-03-01/hour=07/exp-2-1700000000000-0-1700000000024-0.ndjson.gz',
    ]);
  });

  it('writes under a recorded key, tells whether an object exists, and stores JSON documents', async () => {
    const sink = createJournalSink({ client, buckets, instance: 'exp-3' });
    const key = sink.keyFor('events', range, at);
    expect(key).toBe('events/v1/dt=2024-03-01/hour=07/exp-3-1700000000000-0-1700000000024-0.ndjson.gz');
    expect(await sink.exists('proxy', key)).toBe(false);
    // Another instance finishing exp-3's batch writes exp-3's key.
    await createJournalSink({ client, buckets, instance: 'exp-4' }).putRecords('proxy', key, records.slice(0, 2));
    expect(await sink.exists('proxy', key)).toBe(true);
    await sink.putJson('proxy', 'stats/v1/x.json', { v: 1, n: 2 });
    const got = await client.send(new GetObjectCommand({ Bucket: 'proxy', Key: 'stats/v1/x.json' }));
    expect(JSON.parse(await got.Body!.transformToString())).toEqual({ v: 1, n: 2 });
  });
});
