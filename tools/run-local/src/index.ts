export * from './supervisor';
export * from './stack';
export * from './proc-stats';
