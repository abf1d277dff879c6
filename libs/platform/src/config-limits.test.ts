import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';

describe('limits.redis: the limiter Redis', () => {
  it('is absent by default (the main Redis); a url or a cluster names a Redis of its own', () => {
    expect(loadConfig({ text: '' }).limits.redis).toBeUndefined();
    expect(loadConfig({ text: 'limits: { redis: { url: "redis://limiter:6379" } }' }).limits.redis).toEqual({ url: 'redis://limiter:6379' });
    expect(loadConfig({ text: 'limits: { redis: { cluster: ["rl-1:7000", "rl-2:7000"] } }' }).limits.redis).toEqual({ cluster: ['rl-1:7000', 'rl-2:7000'] });
  });

  it('names the field when it is neither, or malformed', () => {
    expect(() => loadConfig({ text: 'limits: { redis: {} }' })).toThrow(/set url or cluster\n\s*→ at limits\.redis\.url/);
    expect(() => loadConfig({ text: 'limits: { redis: { cluster: ["rl-1"] } }' })).toThrow(/host:port\n\s*→ at limits\.redis\.cluster\[0\]/);
    expect(() => loadConfig({ text: 'limits: { redis: { host: rl } }' })).toThrow(/limits\.redis/);
  });
});
