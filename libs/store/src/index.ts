export * from './state-store';
export { createRedisStateStore, redisStoreKeys, DEFAULT_TTL_SECONDS, type RedisStateStoreOptions } from './redis-store';
export { createAerospikeStateStore, AEROSPIKE_DEFAULTS, type AerospikeStateStoreOptions } from './aerospike-store';
export type { StoreObserver } from './aerospike-commands';
export { createCommandGate, type CommandGate } from './command-gate';
export { createTickBatch } from './tick-batch';
export { createStateStore, type StateStoreConfig } from './create-state-store';
export { openStateStore, type StateSection } from './store-from-config';
export { findBySmscId } from './find-by-smsc-id';
