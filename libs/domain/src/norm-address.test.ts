import { describe, expect, it } from 'vitest';
import { smscAddress } from './address';
import { addressOfNorm, entryAddressOfNorm } from './norm-address';

describe('addresses rebuilt from the record\'s normalised numbers', () => {
  it('gives E.164 digits TON 1, short codes TON 0, anything else TON 5', () => {
    expect(addressOfNorm('447700900123')).toEqual({ ton: 1, npi: 1, addr: '447700900123' });
    expect(addressOfNorm('12345')).toEqual({ ton: 0, npi: 1, addr: '12345' });
    expect(addressOfNorm('ACME')).toEqual({ ton: 5, npi: 0, addr: 'ACME' });
  });

  it('goes to an SMSC in its address format, as the submit did', () => {
    const national = { format: 'national' as const, countryCode: '44' };
    expect(smscAddress(entryAddressOfNorm('447700900123'), national)).toEqual({ ton: 2, npi: 1, addr: '07700900123' });
    expect(smscAddress(entryAddressOfNorm('447700900123'), { format: 'international' })).toEqual({ ton: 1, npi: 1, addr: '447700900123' });
    expect(smscAddress(entryAddressOfNorm('ACME'), national)).toEqual({ ton: 5, npi: 0, addr: 'ACME' });
    expect(smscAddress(entryAddressOfNorm('12345'), national)).toEqual({ ton: 0, npi: 1, addr: '12345' });
  });
});
