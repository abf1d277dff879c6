import { describe, expect, it } from 'vitest';
import { isE164Norm, normaliseAddress, smscAddress, TON, type AddressOptions, type EntryAddress } from './address';

const uk = { defaultCountryCode: '44' };

describe('normaliseAddress with a client defaultCountryCode', () => {
  it('TON 2 (national, §5.2.5): drops the trunk prefix when written with it and adds the country code', () => {
    expect(normaliseAddress(TON.NATIONAL, '07700 900123', 'destination', uk)).toEqual({ ok: true, norm: '447700900123' });
    expect(normaliseAddress(TON.NATIONAL, '7700900123', 'destination', uk)).toEqual({ ok: true, norm: '447700900123' });
    expect(normaliseAddress(TON.NATIONAL, '01632960001', 'source', uk)).toEqual({ ok: true, norm: '441632960001' });
  });

  it('TON 0: a number with the trunk prefix is national; "00" is the international prefix; other digits are kept', () => {
    expect(normaliseAddress(TON.UNKNOWN, '07700900123', 'destination', uk)).toEqual({ ok: true, norm: '447700900123' });
    expect(normaliseAddress(TON.UNKNOWN, '0033612345678', 'destination', uk)).toEqual({ ok: true, norm: '33612345678' });
    expect(normaliseAddress(TON.UNKNOWN, '33612345678', 'destination', uk)).toEqual({ ok: true, norm: '33612345678' });
  });

  it('TON 1 and "+" numbers stay international whatever the client country', () => {
    expect(normaliseAddress(TON.INTERNATIONAL, '4915123456789', 'destination', uk)).toEqual({ ok: true, norm: '4915123456789' });
    expect(normaliseAddress(TON.NATIONAL, '+4915123456789', 'destination', uk)).toEqual({ ok: true, norm: '4915123456789' });
    // A leading 0 after TON 1 is not a trunk prefix: it is not touched (today's rule).
    expect(normaliseAddress(TON.INTERNATIONAL, '07700900123', 'destination', uk)).toEqual({ ok: true, norm: '07700900123' });
  });

  it('short codes (≤ 6 digits), TON 3/4/6 numbers and alphanumeric senders stay as they are', () => {
    expect(normaliseAddress(TON.NATIONAL, '012345', 'destination', uk)).toEqual({ ok: true, norm: '012345' });
    expect(normaliseAddress(TON.UNKNOWN, '08888', 'source', uk)).toEqual({ ok: true, norm: '08888' });
    expect(normaliseAddress(TON.NETWORK, '07700900123', 'destination', uk)).toEqual({ ok: true, norm: '07700900123' });
    expect(normaliseAddress(TON.SUBSCRIBER, '0900123456', 'destination', uk)).toEqual({ ok: true, norm: '0900123456' });
    expect(normaliseAddress(TON.ABBREVIATED, '07700900', 'destination', uk)).toEqual({ ok: true, norm: '07700900' });
    expect(normaliseAddress(TON.ALPHANUMERIC, '0ACME', 'source', uk)).toEqual({ ok: true, norm: '0ACME' });
    expect(normaliseAddress(TON.UNKNOWN, 'ACME', 'source', uk)).toEqual({ ok: true, norm: 'ACME' });
  });

  it('takes the client trunk prefix: another digit, or none', () => {
    const ru = { defaultCountryCode: '7', trunkPrefix: '8' };
    expect(normaliseAddress(TON.UNKNOWN, '89123456789', 'destination', ru)).toEqual({ ok: true, norm: '79123456789' });
    expect(normaliseAddress(TON.UNKNOWN, '09123456789', 'destination', ru)).toEqual({ ok: true, norm: '09123456789' });
    const none = { defaultCountryCode: '52', trunkPrefix: '' };
    expect(normaliseAddress(TON.NATIONAL, '5512345678', 'destination', none)).toEqual({ ok: true, norm: '525512345678' });
    // Without a trunk prefix nothing marks a TON 0 number as national.
    expect(normaliseAddress(TON.UNKNOWN, '5512345678', 'destination', none)).toEqual({ ok: true, norm: '5512345678' });
  });

  it('refuses a national number that cannot be E.164', () => {
    expect(normaliseAddress(TON.NATIONAL, '0123456789012345', 'destination', uk)).toEqual({ ok: false, reason: 'destination is not a valid national number' });
    expect(normaliseAddress(TON.NATIONAL, '12345678901234', 'destination', uk).ok).toBe(false);
  });

  it('without a defaultCountryCode national numbers are kept as sent (unchanged behaviour)', () => {
    expect(normaliseAddress(TON.NATIONAL, '07700900123', 'destination')).toEqual({ ok: true, norm: '07700900123' });
    expect(normaliseAddress(TON.UNKNOWN, '07700900123', 'destination', { trunkPrefix: '0' })).toEqual({ ok: true, norm: '07700900123' });
  });
});

/** The address of an `in` entry as validateSubmit makes it. */
const entry = (ton: number, addr: string, role: 'source' | 'destination' = 'destination', opts: AddressOptions = uk, npi = 1): EntryAddress => {
  const r = normaliseAddress(ton, addr, role, opts);
  if (!r.ok) throw new Error(r.reason);
  return { ton, npi, addr, norm: r.norm };
};

describe('isE164Norm', () => {
  it('is true for numbers sent international and for national numbers given a country code', () => {
    expect(isE164Norm(entry(TON.INTERNATIONAL, '447700900123'))).toBe(true);
    expect(isE164Norm(entry(TON.UNKNOWN, '+447700900123'))).toBe(true);
    expect(isE164Norm(entry(TON.UNKNOWN, '00447700900123'))).toBe(true);
    expect(isE164Norm(entry(TON.NATIONAL, '07700900123'))).toBe(true);
    expect(isE164Norm(entry(TON.NATIONAL, '7700900123'))).toBe(true);
  });
  it('is false for what was kept as sent', () => {
    expect(isE164Norm(entry(TON.NATIONAL, '07700900123', 'destination', {}))).toBe(false);
    expect(isE164Norm(entry(TON.UNKNOWN, '447700900123'))).toBe(false);
    expect(isE164Norm(entry(TON.UNKNOWN, '12345'))).toBe(false);
    expect(isE164Norm(entry(TON.ALPHANUMERIC, 'ACME', 'source', uk, 0))).toBe(false);
  });
});

describe('smscAddress: what the SMSC gets is what the policy checked', () => {
  const intl = { format: 'international' } as const;
  const natUk = { format: 'national', countryCode: '44' } as const;
  const national = entry(TON.NATIONAL, '07700 900123', 'destination', uk, 9);

  it('as-received (and no setting): the client address untouched', () => {
    expect(smscAddress(national, { format: 'as-received' })).toEqual({ ton: TON.NATIONAL, npi: 9, addr: '07700 900123' });
    expect(smscAddress(national, undefined)).toEqual({ ton: TON.NATIONAL, npi: 9, addr: '07700 900123' });
  });

  it('international: E.164 digits, TON 1 NPI 1', () => {
    expect(smscAddress(national, intl)).toEqual({ ton: TON.INTERNATIONAL, npi: 1, addr: '447700900123' });
    expect(smscAddress(entry(TON.UNKNOWN, '+33 6 12 34 56 78', 'destination', uk, 0), intl)).toEqual({ ton: 1, npi: 1, addr: '33612345678' });
  });

  it('national: numbers of the SMSC country with the trunk prefix, TON 2 NPI 1; other countries international', () => {
    expect(smscAddress(entry(TON.INTERNATIONAL, '447700900123'), natUk)).toEqual({ ton: TON.NATIONAL, npi: 1, addr: '07700900123' });
    expect(smscAddress(entry(TON.INTERNATIONAL, '447700900123'), { ...natUk, trunkPrefix: '' })).toEqual({ ton: 2, npi: 1, addr: '7700900123' });
    expect(smscAddress(entry(TON.INTERNATIONAL, '33612345678'), natUk)).toEqual({ ton: TON.INTERNATIONAL, npi: 1, addr: '33612345678' });
  });

  it('a number not known to be E.164 goes as the digits checked, with the client TON and NPI', () => {
    expect(smscAddress(entry(TON.UNKNOWN, '123 45', 'source', uk, 0), intl)).toEqual({ ton: TON.UNKNOWN, npi: 0, addr: '12345' });
    expect(smscAddress(entry(TON.NATIONAL, '0770-0900123', 'destination', {}), natUk)).toEqual({ ton: TON.NATIONAL, npi: 1, addr: '07700900123' });
  });

  it('never changes an alphanumeric sender', () => {
    const acme = { ton: TON.ALPHANUMERIC, npi: 0, addr: 'ACME', norm: 'ACME' };
    for (const f of [intl, natUk, { format: 'as-received' } as const]) expect(smscAddress(acme, f)).toEqual({ ton: 5, npi: 0, addr: 'ACME' });
    // Numeric-looking text sent as TON 5 is still a name.
    expect(smscAddress({ ton: TON.ALPHANUMERIC, npi: 0, addr: '07700', norm: '07700' }, intl)).toEqual({ ton: 5, npi: 0, addr: '07700' });
    // A mislabelled alphanumeric sender (TON 0 with letters) is kept as given too.
    expect(smscAddress({ ton: TON.UNKNOWN, npi: 0, addr: 'ACME', norm: 'ACME' }, intl)).toEqual({ ton: 0, npi: 0, addr: 'ACME' });
  });
});
