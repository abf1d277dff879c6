export * from './mcp';
export * from './mcp-explain';
export * from './policy-counting';
export * from './policy-lookups';
export * from './policy-keys';
export * from './policy-rollout';
