export * from './state-store';
export { createRedisStateStore, redisStoreKeys, DEFAULT_TTL_SECONDS, type RedisStateStoreOptions } from './redis-store';
export { createAerospikeStateStore, type AerospikeStateStoreOptions } from './aerospike-store';
export { createStateStore, type StateStoreConfig } from './create-state-store';
export { openStateStore, type StateSection } from './store-from-config';
