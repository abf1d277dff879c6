import { randomBytes, randomUUID } from 'node:crypto';
import * as Aerospike from 'aerospike';
import { afterAll, describe, expect, it } from 'vitest';
import { containerEngineMissing, startAerospikeContainer, type TestServer } from '@smsgw/testing';
import { createAerospikeCommands } from './aerospike-commands';
import { aerospikeSets, MSG_BINS } from './aerospike-layout';
import { createAerospikeStateStore } from './aerospike-store';
import { describeStateStoreContract } from './state-store.contract';

const namespace = process.env.AEROSPIKE_NAMESPACE ?? 'test';
const ttlSeconds = Number(process.env.AEROSPIKE_TTL ?? 3600);
// AEROSPIKE_HOSTS names a server to run against; without it, one is started in a container
// where a Docker engine answers, and the suite is skipped (saying why) where none does.
const missing = process.env.AEROSPIKE_HOSTS ? undefined : await containerEngineMissing();
let container: (TestServer & { hosts: string }) | undefined;
if (!process.env.AEROSPIKE_HOSTS && !missing) {
  container = await startAerospikeContainer(namespace);
  afterAll(() => container?.stop(), 60_000);
}
const hosts = process.env.AEROSPIKE_HOSTS ?? container?.hosts;

if (hosts) {
  // A random set prefix per run keeps runs apart; records expire by TTL (1 h) rather than
  // being deleted, since a set cannot be truncated cheaply from a test.
  const setPrefix = `t${randomBytes(4).toString('hex')}`;
  describeStateStoreContract('aerospike', async () => {
    // Several stores live in this process: only the last close may release the event loop.
    const store = await createAerospikeStateStore({ hosts, namespace, setPrefix, ttlSeconds, timeoutMs: 2000, releaseEventLoop: false });
    return { store, cleanup: () => store.close() };
  });

  describe('Aerospike store under load', () => {
    it('keeps 3,000 concurrent calls within a pool of 4 connections: none refused, every one answered', async () => {
      const observed: number[] = [];
      const store = await createAerospikeStateStore({
        hosts, namespace, setPrefix, ttlSeconds, maxConnsPerNode: 4, maxBatch: 50, releaseEventLoop: false,
        observer: { retried: (c) => observed.push(c ?? 0), failed: (c) => observed.push(c ?? 0) },
      });
      try {
        const ids = Array.from({ length: 1_000 }, () => randomUUID());
        const created = await Promise.all(ids.map((id) => store.createMessage({ id, sys: 'load', src: 'S', dst: '4477', rd: 1, state: 'ROUTED', at: 1 })));
        expect(created.every(Boolean)).toBe(true);
        const [submits, reads] = await Promise.all([
          Promise.all(ids.map((id, i) => store.recordSubmit(id, { part: 0, parts: 1, smsc: 'load', smscMsgId: `${setPrefix}-${i}`, at: 2 }))),
          Promise.all(ids.map((id) => store.get(id))),
        ]);
        expect(submits.every((s) => s.submitted)).toBe(true);
        expect(reads.every((r) => r !== null)).toBe(true);
        expect(observed).toEqual([]); // not even a retry: the gate kept within the pool
      } finally {
        await store.close();
      }
    });

    it('a version-checked write loses to a writer that came first, and a record without a version gets one', async () => {
      const client = await Aerospike.connect({ hosts });
      try {
        const cmd = createAerospikeCommands(client, {
          timeoutMs: 2000, maxCommandsInFlight: 4, maxBatch: 10, retries: 2, retryMinMs: 5, retryMaxMs: 20, ttl: ttlSeconds, namespace, ttlSeconds,
        });
        const key = new Aerospike.Key(namespace, aerospikeSets(setPrefix).msg, randomUUID());
        await client.put(key, { st: 'ROUTED', [MSG_BINS.version]: 3 }, { ttl: ttlSeconds });
        const op = Aerospike.operations;
        await expect(cmd.writeIfVersion(key, [op.write('st', 'SUBMITTED')], MSG_BINS.version, 2)).rejects.toMatchObject({ code: 27 });
        await cmd.writeIfVersion(key, [op.write('st', 'SUBMITTED'), op.incr(MSG_BINS.version, 1)], MSG_BINS.version, 3);
        expect((await client.get(key)).bins).toMatchObject({ st: 'SUBMITTED', [MSG_BINS.version]: 4 });
      } finally {
        client.close(false);
      }
      // A message record as an older version of the gateway wrote it (no version bin).
      const store = await createAerospikeStateStore({ hosts, namespace, setPrefix, ttlSeconds, releaseEventLoop: true });
      const legacy = await Aerospike.connect({ hosts });
      try {
        const id = randomUUID();
        const key = new Aerospike.Key(namespace, aerospikeSets(setPrefix).msg, id);
        await legacy.put(key, { sys: 'old', src: 'S', dst: '4477', rd: 1, st: 'ROUTED', n: 0, ca: 1, ua: 1, tm: { ROUTED: 1 } }, { ttl: ttlSeconds });
        expect(await store.transition(id, 'SUBMITTED', { at: 5 })).toEqual({ applied: true, prev: 'ROUTED' });
        expect((await legacy.get(key)).bins).toMatchObject({ st: 'SUBMITTED', [MSG_BINS.version]: 1 });
        expect(await store.transition(id, 'DELIVERED', { at: 6 })).toEqual({ applied: true, prev: 'SUBMITTED' });
        expect((await legacy.get(key)).bins).toMatchObject({ st: 'DELIVERED', [MSG_BINS.version]: 2 });
      } finally {
        legacy.close(false);
        await store.close();
      }
    });
  });
} else {
  describe.skip(`StateStore contract: aerospike (AEROSPIKE_HOSTS not set and ${missing}: no Aerospike server here)`, () => {
    it('passes the shared state store contract', () => {});
  });
}
