export * from './address';
export * from './routing';
export * from './receipts';
export * from './policy';
export * from './smsc-msg-id';
export * from './policy-rules';
export * from './quiet-hours';
export * from './mo-routing';
