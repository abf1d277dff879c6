export * from './address';
export * from './routing';
export * from './receipts';
export * from './policy';
export * from './token-bucket';
