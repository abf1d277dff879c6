import { describe, expect, it } from 'vitest';
import { SmppStatusError, STATUS, statusName } from './status';

describe('status table (§5.1.3)', () => {
  it('every code has exactly one name and every name one code', () => {
    const codes = Object.values(STATUS);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [name, code] of Object.entries(STATUS)) expect(statusName(code)).toBe(name);
  });

  it('has the codes the gateway branches on', () => {
    expect(STATUS.ESME_RTHROTTLED).toBe(0x58);
    expect(STATUS.ESME_RMSGQFUL).toBe(0x14);
    expect(STATUS.ESME_RSUBMITFAIL).toBe(0x45);
    expect(STATUS.ESME_RINVBNDSTS).toBe(0x04);
    expect(STATUS.ESME_RBINDFAIL).toBe(0x0d);
  });

  it('names unknown and vendor-specific codes by their hex value', () => {
    expect(statusName(0x458)).toBe('VENDOR_0x00000458');
    expect(statusName(0x9999)).toBe('0x00009999');
  });

  it('SmppStatusError is a typed error value', () => {
    const err = new SmppStatusError(0x58);
    expect(err).toBeInstanceOf(Error);
    expect(err.status).toBe(0x58);
    expect(err.message).toContain('ESME_RTHROTTLED');
  });
});
