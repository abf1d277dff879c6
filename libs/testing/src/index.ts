export * from './smsc-sim';
export * from './sim-submits';
export * from './smpp-test-client';
export * from './redis-namespace';
export * from './test-pki';
