import { describe, expect, it } from 'vitest';
import { STATUS, type Pdu } from '@smsgw/smpp';
import { validateSubmit } from './submit-handler';

const AT = Date.UTC(2026, 11, 1, 12, 0, 0);
const H = 3_600_000;
const pdu = (over: Partial<Pdu> = {}): Pdu =>
  ({ command: 'submit_sm', seq: 1, status: 0, source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, destination_addr: '447700900123', short_message: Buffer.from('x'), tlvs: [], ...over }) as Pdu;

describe('schedule_delivery_time and validity_period at acceptance', () => {
  it('gives every message an expiry: the maximum age without a validity, the validity when sooner', () => {
    const plain = validateSubmit(pdu(), 'acme', 'u1', AT, 48 * H);
    expect(plain).toMatchObject({ entry: { exp: AT + 48 * H } });
    expect('entry' in plain && plain.entry.due).toBeUndefined();
    // Relative validity of 2 h: sooner than the cap.
    expect(validateSubmit(pdu({ validity_period: '000000020000000R' }), 'acme', 'u2', AT, 48 * H)).toMatchObject({
      entry: { exp: AT + 2 * H, vp: '000000020000000R' },
    });
    // A week's validity is capped by the client's maximum age.
    expect(validateSubmit(pdu({ validity_period: '000007000000000R' }), 'acme', 'u3', AT, 24 * H)).toMatchObject({ entry: { exp: AT + 24 * H } });
  });

  it('holds a scheduled message until its time and counts the maximum age from it', () => {
    // Absolute, UTC+1 (04 quarter hours): 2026-12-02 09:00 local = 08:00 UTC.
    const v = validateSubmit(pdu({ schedule_delivery_time: '261202090000004+' }), 'acme', 'u4', AT, 48 * H);
    const due = Date.UTC(2026, 11, 2, 8, 0, 0);
    expect(v).toMatchObject({ entry: { due, exp: due + 48 * H } });
    // Relative: in 30 minutes.
    expect(validateSubmit(pdu({ schedule_delivery_time: '000000003000000R' }), 'acme', 'u5', AT, 48 * H)).toMatchObject({
      entry: { due: AT + 30 * 60_000 },
    });
    // A schedule already past means now.
    const past = validateSubmit(pdu({ schedule_delivery_time: '201202090000000+' }), 'acme', 'u6', AT, 48 * H);
    expect('entry' in past && past.entry.due).toBeUndefined();
  });

  it('refuses times that cannot be: bad fields, a validity already past, a schedule not before the validity', () => {
    const status = (over: Partial<Pdu>) => {
      const v = validateSubmit(pdu(over), 'acme', 'u', AT, 48 * H);
      return 'entry' in v ? 0 : v.status;
    };
    expect(status({ schedule_delivery_time: '261302090000000+' })).toBe(STATUS.ESME_RINVSCHED); // month 13
    expect(status({ validity_period: '260231090000000+' })).toBe(STATUS.ESME_RINVEXPIRY); // 31 February
    expect(status({ validity_period: '261201110000000+' })).toBe(STATUS.ESME_RINVEXPIRY); // an hour ago
    expect(status({ schedule_delivery_time: '000000030000000R', validity_period: '000000020000000R' })).toBe(STATUS.ESME_RINVSCHED);
  });
});
