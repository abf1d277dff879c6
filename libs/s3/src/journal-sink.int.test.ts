import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerEngineMissing, startMinioContainer } from '@smsgw/testing';
import { EMBEDDED_S3_CREDENTIALS, startEmbeddedS3 } from './embedded-s3';
import { createJournalSink, ensureBuckets } from './journal-sink';
import { createS3Client } from './s3-client';

interface S3Target {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

const embedded = async (): Promise<S3Target> => {
  const dir = await mkdtemp(join(tmpdir(), 'smsgw-s3-'));
  const s3 = await startEmbeddedS3({ dir, port: 0 });
  return { endpoint: s3.endpoint, ...EMBEDDED_S3_CREDENTIALS, stop: async () => { await s3.close(); await rm(dir, { recursive: true, force: true }); } };
};

// The embedded server (s3rver) always; a real S3 store too: S3_ENDPOINT when set (buckets of
// this run's own), else MinIO in a container where a Docker engine answers, else skipped saying why.
describeJournalSink('the embedded S3 server', embedded, { proxy: 'proxy', mcp: 'mcp' });
const external = process.env.S3_ENDPOINT;
const missing = external ? undefined : await containerEngineMissing();
if (external) {
  const run = randomBytes(4).toString('hex');
  describeJournalSink(
    `S3 at ${external}`,
    async () => ({ endpoint: external, accessKeyId: process.env.S3_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? '', stop: async () => undefined }),
    { proxy: `smsgw-test-${run}-proxy`, mcp: `smsgw-test-${run}-mcp` },
  );
} else if (!missing) describeJournalSink('MinIO in a container', startMinioContainer, { proxy: 'proxy', mcp: 'mcp' });
else {
  describe.skip(`journal sink against MinIO (S3_ENDPOINT not set and ${missing})`, () => {
    it('uploads, overwrites, lists and reads back journal objects', () => {});
  });
}

function describeJournalSink(name: string, start: () => Promise<S3Target>, buckets: { proxy: string; mcp: string }): void {
  describe(`journal sink against ${name}`, () => {
    let s3: S3Target;
    let client: S3Client;

    beforeAll(async () => {
      s3 = await start();
      client = createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, requestTimeoutMs: 5000 });
      await ensureBuckets(client, [buckets.proxy, buckets.mcp]);
      await ensureBuckets(client, [buckets.proxy]); // second time: already ours, no error
    }, 180_000);

    afterAll(async () => {
      client?.destroy();
      await s3?.stop();
    }, 60_000);

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

      const got = await client.send(new GetObjectCommand({ Bucket: buckets.proxy, Key: put.key }));
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
      const list = await client.send(new ListObjectsV2Command({ Bucket: buckets.mcp, Prefix: 'decisions/v1/' }));
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
      const got = await client.send(new GetObjectCommand({ Bucket: buckets.proxy, Key: 'stats/v1/x.json' }));
      expect(JSON.parse(await got.Body!.transformToString())).toEqual({ v: 1, n: 2 });
    });
  });
}
