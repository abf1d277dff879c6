import { randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import { createAerospikeStateStore } from './aerospike-store';
import { describeStateStoreContract } from './state-store.contract';

const hosts = process.env.AEROSPIKE_HOSTS;

if (hosts) {
  // A random set prefix per run keeps runs apart; records expire by TTL (1 h) rather than
  // being deleted, since a set cannot be truncated cheaply from a test.
  describeStateStoreContract('aerospike', async () => {
    const store = await createAerospikeStateStore({
      hosts,
      namespace: process.env.AEROSPIKE_NAMESPACE ?? 'test',
      setPrefix: `t${randomBytes(4).toString('hex')}`,
      ttlSeconds: Number(process.env.AEROSPIKE_TTL ?? 3600),
      timeoutMs: 2000,
    });
    return { store, cleanup: () => store.close() };
  });
} else {
  describe.skip('StateStore contract: aerospike (AEROSPIKE_HOSTS not set: no Aerospike server here)', () => {
    it('passes the shared state store contract', () => {});
  });
}
