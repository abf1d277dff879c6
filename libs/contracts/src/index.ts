export * from './states';
export * from './streams';
export * from './entries';
export * from './journal';
export * from './replacement';
