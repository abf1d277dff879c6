import { describe, expect, it } from 'vitest';
import { normaliseAddress, TON } from './address';
import { createClientRouter, createRouter, poolName, poolsOf } from './routing';
import { aggregatePartStates, wantsReceipt } from './receipts';
import { createPolicyPipeline } from './policy';

describe('normaliseAddress', () => {
  it('turns international numbers into E.164 digits', () => {
    expect(normaliseAddress(TON.INTERNATIONAL, '+44 7700-900123', 'destination')).toEqual({ ok: true, norm: '447700900123' });
    expect(normaliseAddress(TON.UNKNOWN, '0044123456', 'destination')).toEqual({ ok: true, norm: '44123456' });
    expect(normaliseAddress(TON.UNKNOWN, '+33612345678', 'destination')).toEqual({ ok: true, norm: '33612345678' });
  });
  it('keeps national numbers and alphanumeric senders', () => {
    expect(normaliseAddress(TON.NATIONAL, '07700900123', 'destination')).toEqual({ ok: true, norm: '07700900123' });
    expect(normaliseAddress(TON.ALPHANUMERIC, 'ACME Ltd', 'source')).toEqual({ ok: true, norm: 'ACME Ltd' });
  });
  it('rejects what cannot be a destination', () => {
    expect(normaliseAddress(TON.INTERNATIONAL, '', 'destination').ok).toBe(false);
    expect(normaliseAddress(TON.ALPHANUMERIC, 'ACME', 'destination').ok).toBe(false);
    expect(normaliseAddress(TON.INTERNATIONAL, '44abc', 'destination').ok).toBe(false);
    expect(normaliseAddress(TON.INTERNATIONAL, '+1234567890123456', 'destination').ok).toBe(false);
    expect(normaliseAddress(TON.ALPHANUMERIC, 'TWELVECHARSX', 'source').ok).toBe(false);
  });
});

describe('routing', () => {
  const route = createRouter([
    { prefix: '', smscs: ['b', 'a'] },
    { prefix: '44', smscs: ['uk1'] },
    { prefix: '447', smscs: ['ukmob'], pool: 'uk-mobile' },
  ]);
  it('takes the longest matching prefix', () => {
    expect(route('447700900123')).toEqual({ pool: 'uk-mobile', smscs: ['ukmob'] });
    expect(route('441234')).toEqual({ pool: 'uk1', smscs: ['uk1'] });
    expect(route('33612')).toEqual({ pool: 'a+b', smscs: ['b', 'a'] });
  });
  it('returns null with no catch-all', () => {
    expect(createRouter([{ prefix: '44', smscs: ['x'] }])('33')).toBeNull();
  });
  it('tries a client\'s own routes before the global ones', () => {
    const r = createClientRouter([{ prefix: '', smscs: ['a'] }], [{ systemId: 'vip', routes: [{ prefix: '44', smscs: ['premium'] }] }, { systemId: 'std', routes: [] }]);
    expect(r('vip', '447700')).toEqual({ pool: 'premium', smscs: ['premium'] });
    expect(r('vip', '33612')).toEqual({ pool: 'a', smscs: ['a'] }); // no own route: the global one
    expect(r('std', '447700')).toEqual({ pool: 'a', smscs: ['a'] });
  });
  it('names pools consistently', () => {
    expect(poolName({ prefix: '1', smscs: ['z', 'y'] })).toBe('y+z');
    expect([...poolsOf([{ prefix: '1', smscs: ['a'] }, { prefix: '2', smscs: ['a'] }]).keys()]).toEqual(['a']);
  });
});

describe('receipts', () => {
  it('aggregates parts: delivered only when all are, else the worst', () => {
    expect(aggregatePartStates(['DELIVERED', 'DELIVERED'])).toBe('DELIVERED');
    expect(aggregatePartStates(['DELIVERED', null])).toBeNull();
    expect(aggregatePartStates(['DELIVERED', 'EXPIRED', 'UNDELIVERABLE'])).toBe('UNDELIVERABLE');
    expect(aggregatePartStates([])).toBeNull();
  });
  it('honours registered_delivery', () => {
    expect(wantsReceipt(0, 'DELIVERED')).toBe(false);
    expect(wantsReceipt(1, 'DELIVERED')).toBe(true);
    expect(wantsReceipt(2, 'DELIVERED')).toBe(false);
    expect(wantsReceipt(2, 'UNDELIVERABLE')).toBe(true);
    expect(wantsReceipt(0x11, 'EXPIRED')).toBe(true);
  });
});

describe('policy pipeline', () => {
  it('passes with nothing to enforce and stops at the first rejection', () => {
    const input = { sys: 'a', src: '1', dst: '2', dc: 0 };
    expect(createPolicyPipeline([])(input)).toEqual({ pass: true });
    const calls: string[] = [];
    const pipe = createPolicyPipeline([
      { name: 'registration', check: () => (calls.push('r'), { pass: true }) },
      { name: 'blacklist', check: () => (calls.push('b'), { pass: false, stage: 'blacklist', reason: 'blocked', code: 7 }) },
      { name: 'authorization', check: () => (calls.push('a'), { pass: true }) },
    ]);
    expect(pipe(input)).toEqual({ pass: false, stage: 'blacklist', reason: 'blocked', code: 7 });
    expect(calls).toEqual(['r', 'b']);
  });
});
