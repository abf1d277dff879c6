/**
 * Records exported per second by ONE journal-exporter process: fills a fresh journal stream
 * with RECORDS records (stage-sized entries of 100 records, as the stages write them), starts
 * the exporter app against an S3-compatible server in this process, and times it until the
 * group has acked everything. Usage: `npx tsx tools/run-local/src/journal-bench.ts [records]`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { stringify } from 'yaml';
import { GROUPS, streamNames } from '@smsgw/contracts';
import { startEmbeddedS3 } from '@smsgw/s3';
import { streamGroups } from '@smsgw/redis';
import { redisNamespace } from '@smsgw/testing';
import { freePort } from './stack';
import { supervise } from './supervisor';

const RECORDS = Number(process.argv[2] ?? 200_000);
const PER_ENTRY = 100;

const ns = await redisNamespace('journal-bench');
const dir = mkdtempSync(join(tmpdir(), 'smsgw-journal-bench-'));
const s3 = await startEmbeddedS3({ dir: join(dir, 's3'), port: 0 });
const stream = streamNames(ns.prefix).journal;
try {
  const t = Date.now();
  const events = ['accepted', 'submitted', 'receipt', 'final', 'delivered_to_client'] as const;
  for (let i = 0; i < RECORDS; i += PER_ENTRY * 50) {
    const p = ns.redis.pipeline();
    for (let e = i; e < Math.min(RECORDS, i + PER_ENTRY * 50); e += PER_ENTRY) {
      const recs = [];
      for (let k = e; k < Math.min(RECORDS, e + PER_ENTRY); k++) {
        const ev = events[k % events.length];
        recs.push({ ts: t + k, ev, id: randomUUID(), sys: 'acme', src: 'ACME', dst: '447900000000', smsc: 'sim', state: ev === 'final' ? 'DELIVERED' : undefined, latencyMs: 120 });
      }
      p.xadd(stream, '*', 'd', JSON.stringify(recs));
    }
    await p.exec();
  }
  const config = join(dir, 'gateway.yaml');
  writeFileSync(config, stringify({
    redis: { url: ns.url, prefix: ns.prefix },
    s3: { endpoint: s3.endpoint },
    http: { host: '127.0.0.1', ports: { 'journal-exporter': await freePort() } },
    log: { level: 'warn' },
  }));
  const started = Date.now();
  const cpu0 = process.cpuUsage();
  const app = supervise({ name: 'journal-exporter', entry: 'apps/journal-exporter/src/main.ts', env: { GATEWAY_CONFIG: config }, output: 'inherit' });
  let firstRead = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const g = (await streamGroups(ns.redis, stream)).find((x) => x.name === GROUPS.journal);
    if (!g) continue;
    if (!firstRead && g.pending + (g.lag ?? 1) < RECORDS / PER_ENTRY) firstRead = Date.now();
    if (g.pending === 0 && (g.lag ?? 0) === 0) break;
  }
  const done = Date.now();
  await app.stop();
  const secs = (done - (firstRead || started)) / 1000;
  console.log(JSON.stringify({
    records: RECORDS,
    entries: RECORDS / PER_ENTRY,
    seconds: Number(secs.toFixed(2)),
    recordsPerSecond: Math.round(RECORDS / secs),
    includingStartupSeconds: Number(((done - started) / 1000).toFixed(2)),
    benchProcessCpuMs: Math.round((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000),
  }));
} finally {
  await s3.close();
  await ns.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
