export * from './supervisor';
export * from './stack';
