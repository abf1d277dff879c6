import type { Cluster, Redis } from 'ioredis';
import type { StateStore } from './state-store';
import { createAerospikeStateStore, type AerospikeStateStoreOptions } from './aerospike-store';
import { createRedisStateStore } from './redis-store';

export type StateStoreConfig =
  | { backend: 'redis'; redis: Redis | Cluster; prefix: string; ttlSeconds?: number }
  | ({ backend: 'aerospike' } & AerospikeStateStoreOptions);

/** Builds the backend named by the config; apps depend only on StateStore. */
export async function createStateStore(cfg: StateStoreConfig): Promise<StateStore> {
  switch (cfg.backend) {
    case 'redis':
      return createRedisStateStore(cfg);
    case 'aerospike': {
      const { backend: _backend, ...opts } = cfg;
      return createAerospikeStateStore(opts);
    }
  }
}
