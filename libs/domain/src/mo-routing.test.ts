import { describe, expect, it } from 'vitest';
import { createMoRouter } from './mo-routing';

describe('MO routing', () => {
  const route = createMoRouter([
    { systemId: 'acme', moNumbers: ['12345', '4477009*'] },
    { systemId: 'globex', moNumbers: ['44770*', '4477009123'] },
  ]);
  it('sends an exact number to its owner first, then the longest prefix', () => {
    expect(route('12345')).toBe('acme');
    expect(route('4477009123')).toBe('globex'); // exact beats acme's longer prefix
    expect(route('+4477009555')).toBe('acme');
    expect(route('004477011111')).toBe('globex');
  });
  it('returns null for a number nobody owns', () => {
    expect(route('999')).toBeNull();
    expect(createMoRouter([])('12345')).toBeNull();
  });
});
