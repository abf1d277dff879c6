import { describe, expect, it } from 'vitest';
import { normaliseSmscMsgId } from './smsc-msg-id';

describe('normaliseSmscMsgId', () => {
  it('folds case, spaces and leading zeros of text ids', () => {
    expect(normaliseSmscMsgId(' 00AbC1 ')).toBe('abc1');
    expect(normaliseSmscMsgId('000')).toBe('0');
  });
  it('meets the same id written in decimal and in hex', () => {
    expect(normaliseSmscMsgId('255', 'dec')).toBe(normaliseSmscMsgId('00FF', 'hex'));
    expect(normaliseSmscMsgId('18446744073709551615', 'dec')).toBe(normaliseSmscMsgId('ffffffffffffffff', 'hex')); // beyond 2^53
    expect(normaliseSmscMsgId('0', 'dec')).toBe('0');
  });
  it('falls back to text for an id that does not fit its base', () => {
    expect(normaliseSmscMsgId('ab-12', 'dec')).toBe('ab-12');
    expect(normaliseSmscMsgId('XYZ', 'hex')).toBe('xyz');
  });
});
