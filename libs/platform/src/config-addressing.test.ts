import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';

const client = (extra: string) => `clients: [{ systemId: acme, password: pw, ${extra} }]`;
const smsc = (extra: string) => `smscs: [{ id: op1, host: h, port: 1, systemId: gw, password: pw, ${extra} }]`;

describe('clients[]: national numbers and idempotent resubmission', () => {
  it('defaults: no country code (numbers kept as sent), trunk prefix "0", no idempotency', () => {
    const c = loadConfig({ text: client('') }).clients[0]!;
    expect(c.defaultCountryCode).toBeUndefined();
    expect(c.trunkPrefix).toBe('0');
    expect(c.idempotency).toBeUndefined();
  });

  it('reads defaultCountryCode, trunkPrefix and idempotency with its defaults and durations', () => {
    const c = loadConfig({ text: client('defaultCountryCode: "44", trunkPrefix: "", idempotency: { windowMs: 5m }') }).clients[0]!;
    expect(c).toMatchObject({ defaultCountryCode: '44', trunkPrefix: '', idempotency: { key: 'user_message_reference', windowMs: 300_000 } });
    const d = loadConfig({ text: client('idempotency: { key: source+destination+text }') }).clients[0]!;
    expect(d.idempotency).toEqual({ key: 'source+destination+text', windowMs: 600_000 });
  });

  it('names the field of a bad value', () => {
    expect(() => loadConfig({ text: client('defaultCountryCode: "+44"') })).toThrow(/clients\[0\]\.defaultCountryCode/);
    expect(() => loadConfig({ text: client('defaultCountryCode: "0044"') })).toThrow(/clients\[0\]\.defaultCountryCode/);
    expect(() => loadConfig({ text: client('trunkPrefix: "0x"') })).toThrow(/clients\[0\]\.trunkPrefix/);
    expect(() => loadConfig({ text: client('idempotency: { key: message_id }') })).toThrow(/clients\[0\]\.idempotency\.key/);
    expect(() => loadConfig({ text: client('idempotency: { windowMs: 2d }') })).toThrow(/at most 1d[\s\S]*clients\[0\]\.idempotency\.windowMs/);
    expect(() => loadConfig({ text: client('idempotency: { ttl: 5m }') })).toThrow(/ttl/);
  });
});

describe('smscs[]: the address format an SMSC wants', () => {
  it('defaults to as-received (the addresses the client sent)', () => {
    expect(loadConfig({ text: smsc('') }).smscs[0]).toMatchObject({ addressFormat: 'as-received', trunkPrefix: '0' });
  });

  it('reads international, and national with its country', () => {
    expect(loadConfig({ text: smsc('addressFormat: international') }).smscs[0]!.addressFormat).toBe('international');
    expect(loadConfig({ text: smsc('addressFormat: national, countryCode: "33"') }).smscs[0]).toMatchObject({ addressFormat: 'national', countryCode: '33' });
  });

  it('national without countryCode is an error naming the field; an unknown format too', () => {
    expect(() => loadConfig({ text: smsc('addressFormat: national') })).toThrow(/countryCode is required when addressFormat is national\n\s*→ at smscs\[0\]\.countryCode/);
    expect(() => loadConfig({ text: smsc('addressFormat: e164') })).toThrow(/smscs\[0\]\.addressFormat/);
  });
});
