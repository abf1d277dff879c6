export * from './config-schema';
export * from './config';
export * from './logger';
export * from './http-server';
export * from './lifecycle';
export * from './metrics';
export * from './boot';
