import { describe, expect, it } from 'vitest';
import { createTokenBucket, normaliseSmscMsgId } from './token-bucket';

describe('token bucket', () => {
  it('lets the burst through, then spaces takes at the rate', () => {
    let t = 0;
    const b = createTokenBucket(100, 10, () => t);
    for (let i = 0; i < 10; i++) expect(b.take()).toBe(0);
    expect(b.take()).toBe(10); // 1 token short at 100/s
    expect(b.take()).toBe(20);
    t = 1000; // a second later: refilled to the burst only
    expect(b.take(10)).toBe(0);
  });
  it('is unlimited at rate 0', () => {
    const b = createTokenBucket(0);
    expect(b.take(1_000_000)).toBe(0);
  });
});

describe('normaliseSmscMsgId', () => {
  it('folds case, spaces and leading zeros', () => {
    expect(normaliseSmscMsgId(' 00AbC1 ')).toBe('abc1');
    expect(normaliseSmscMsgId('000')).toBe('0');
  });
});
