export * from './redis-client';
export * from './stream-entry';
export * from './stream-consumer';
export * from './stream-gauges';
export * from './receipt-emitter';
export * from './dead-letter';
export * from './batch-runner';
export * from './stage-runtime';
