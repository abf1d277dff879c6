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

  it('checks real calendar values: the schedule answers ESME_RINVSCHED, the validity ESME_RINVEXPIRY', () => {
    const outcome = (over: Partial<Pdu>) => {
      const v = validateSubmit(pdu(over), 'acme', 'u', AT, 48 * H);
      return 'entry' in v ? { status: 0 } : { status: v.status, reason: v.reason };
    };
    // Each broken in one field only, all otherwise in the future: day 99, 31 April, 29 February
    // of a common year, hour 24, minute 60, offset 49 quarter hours.
    const absolute = ['261299090000000+', '270431090000000+', '270229090000000+', '261202240000000+', '261202096000000+', '261202090000049+'];
    // Relative intervals past their §7.1.1 bounds: 13 months, 32 days, 24 hours, 60 minutes, 60 seconds.
    const relative = ['001300000000000R', '000032000000000R', '000000240000000R', '000000006000000R', '000000000060000R'];
    for (const t of [...absolute, ...relative]) {
      expect(outcome({ schedule_delivery_time: t }), t).toMatchObject({ status: STATUS.ESME_RINVSCHED, reason: expect.stringMatching(/^bad schedule_delivery_time: (absolute|relative) time: /) });
      expect(outcome({ validity_period: t }), t).toMatchObject({ status: STATUS.ESME_RINVEXPIRY, reason: expect.stringMatching(/^bad validity_period: (absolute|relative) time: /) });
    }
    expect(outcome({ validity_period: '261299090000000+' }).reason).toBe('bad validity_period: absolute time: day 99 is outside 01–31');
    // The same fields at their limits are accepted: 29 February of a leap year, 23:59:59, 12 h offset.
    expect(outcome({ schedule_delivery_time: '280229235959948+' })).toEqual({ status: 0 });
    expect(outcome({ schedule_delivery_time: '000031235959000R', validity_period: '001200000000000R' })).toEqual({ status: 0 });
  });
});
