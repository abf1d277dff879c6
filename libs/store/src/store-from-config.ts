import type { Cluster, Redis } from 'ioredis';
import { createStateStore } from './create-state-store';
import type { StateStore } from './state-store';
import type { AerospikeStateStoreOptions } from './aerospike-store';
import type { StoreObserver } from './aerospike-commands';

/** The `state:` section of the gateway config (libs/platform's schema), as the apps hold it. */
export interface StateSection {
  backend: 'redis' | 'aerospike';
  ttlSeconds: number;
  aerospike?: Omit<AerospikeStateStoreOptions, 'ttlSeconds' | 'observer' | 'releaseEventLoop'>;
}

/**
 * Opens the configured backend; the Redis backend shares the app's connection and key prefix.
 * `observer` counts the Aerospike commands retried and failed (the apps' metrics).
 */
export function openStateStore(state: StateSection, redis: Redis | Cluster, prefix: string, observer?: StoreObserver): Promise<StateStore> {
  if (state.backend === 'aerospike') {
    if (!state.aerospike) throw new Error('state.aerospike { hosts, namespace } is required when state.backend is aerospike');
    return createStateStore({ backend: 'aerospike', ...state.aerospike, ttlSeconds: state.ttlSeconds, observer });
  }
  return createStateStore({ backend: 'redis', redis, prefix, ttlSeconds: state.ttlSeconds });
}
