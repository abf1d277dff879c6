import type { Cluster, Redis } from 'ioredis';
import { createStateStore } from './create-state-store';
import type { StateStore } from './state-store';

/** The `state:` section of the gateway config (libs/platform's schema), as the apps hold it. */
export interface StateSection {
  backend: 'redis' | 'aerospike';
  ttlSeconds: number;
  aerospike?: { hosts: string; namespace: string; setPrefix?: string; user?: string; password?: string; timeoutMs?: number };
}

/** Opens the configured backend; the Redis backend shares the app's connection and key prefix. */
export function openStateStore(state: StateSection, redis: Redis | Cluster, prefix: string): Promise<StateStore> {
  if (state.backend === 'aerospike') {
    if (!state.aerospike) throw new Error('state.aerospike { hosts, namespace } is required when state.backend is aerospike');
    return createStateStore({ backend: 'aerospike', ...state.aerospike, ttlSeconds: state.ttlSeconds });
  }
  return createStateStore({ backend: 'redis', redis, prefix, ttlSeconds: state.ttlSeconds });
}
