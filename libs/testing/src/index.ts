export * from './smsc-sim';
export * from './sim-submits';
export * from './smpp-test-client';
export * from './redis-namespace';
export * from './redis-cluster';
export * from './test-pki';
export * from './containers';
export * from './netsmpp-client';
