import { describe, expect, it } from 'vitest';
import { formatSmppTime, parseSmppTime } from './smpp-time';

const NOW = Date.UTC(2026, 11, 1, 20, 0, 0); // 2026-12-01T20:00:00Z
const at = (s: string) => {
  const r = parseSmppTime(s, NOW);
  if (!r.ok) throw new Error(r.reason);
  return new Date(r.at).toISOString();
};
const reason = (s: string) => {
  const r = parseSmppTime(s, NOW);
  return r.ok ? 'accepted' : r.reason;
};

describe('SMPP time fields (§7.1.1)', () => {
  it('reads absolute times with their quarter-hour UTC offset', () => {
    expect(at('261202083000000+')).toBe('2026-12-02T08:30:00.000Z'); // UTC
    expect(at('261202083000504+')).toBe('2026-12-02T07:30:00.500Z'); // local UTC+1h, 5 tenths
    expect(at('261202083000022-')).toBe('2026-12-02T14:00:00.000Z'); // local UTC-5h30
    expect(at('261202083000048+')).toBe('2026-12-01T20:30:00.000Z'); // the largest offset, 12 h
  });

  it('reads relative times as an interval from now, with calendar months and years', () => {
    expect(at('000000013000000R')).toBe('2026-12-01T21:30:00.000Z'); // 1 h 30 min
    expect(at('000002000000000R')).toBe('2026-12-03T20:00:00.000Z'); // 2 days
    expect(at('010100000000000R')).toBe('2028-01-01T20:00:00.000Z'); // 1 year 1 month
    // The §7.1.1.2 example: 2 years, 6 months, 10 days, 23:34:29.
    expect(at('020610233429000R')).toBe('2029-06-12T19:34:29.000Z');
  });

  it('refuses what is not a time', () => {
    for (const bad of ['', '2612020830000', '26120208300000+X', '2612020830000a0+', '261202083000000 ']) {
      expect(reason(bad), bad).toBe('not of the form YYMMDDhhmmsstnnp');
    }
  });

  it('refuses absolute times that are no calendar value, naming the field', () => {
    expect(reason('261302083000000+')).toBe('absolute time: month 13 is outside 01–12');
    expect(reason('260002083000000+')).toBe('absolute time: month 00 is outside 01–12');
    expect(reason('261299083000000+')).toBe('absolute time: day 99 is outside 01–31');
    expect(reason('261200083000000+')).toBe('absolute time: day 00 is outside 01–31');
    expect(reason('261202243000000+')).toBe('absolute time: hour 24 is outside 00–23');
    expect(reason('261202086000000+')).toBe('absolute time: minute 60 is outside 00–59');
    expect(reason('261202083060000+')).toBe('absolute time: second 60 is outside 00–59');
    expect(reason('261202083000049+')).toBe('absolute time: UTC offset (quarter hours) 49 is outside 00–48');
    expect(reason('261202083000099-')).toBe('absolute time: UTC offset (quarter hours) 99 is outside 00–48');
  });

  it('knows the length of each month, leap years included', () => {
    expect(reason('260431120000000+')).toBe('absolute time: no day 31 in 2026-04');
    expect(reason('261131120000000+')).toBe('absolute time: no day 31 in 2026-11');
    expect(reason('270229120000000+')).toBe('absolute time: no day 29 in 2027-02');
    expect(reason('260230120000000+')).toBe('absolute time: no day 30 in 2026-02');
    expect(at('280229120000000+')).toBe('2028-02-29T12:00:00.000Z'); // 2028 is a leap year
    expect(at('000229120000000+')).toBe('2000-02-29T12:00:00.000Z'); // so is 2000 (divisible by 400)
    expect(at('261231235959900+')).toBe('2026-12-31T23:59:59.900Z');
  });

  it('refuses relative fields past their §7.1.1 bounds; 0 counts and t/nn are not checked', () => {
    expect(reason('001300000000000R')).toBe('relative time: months 13 is outside 00–12');
    expect(reason('000099000000000R')).toBe('relative time: days 99 is outside 00–31');
    expect(reason('000000240000000R')).toBe('relative time: hours 24 is outside 00–23');
    expect(reason('000000006000000R')).toBe('relative time: minutes 60 is outside 00–59');
    expect(reason('000000000060000R')).toBe('relative time: seconds 60 is outside 00–59');
    expect(at('991231235959000R')).toBe('2127-01-02T19:59:59.000Z'); // every field at its maximum: 2125-12-01, +12 months, +31 days, +23:59:59
    expect(at('000000000000000R')).toBe('2026-12-01T20:00:00.000Z'); // zero: now
    // §7.1.1.2: t and nn "are ignored and should be set to 0 and 00".
    expect(at('000000010000948R')).toBe('2026-12-01T21:00:00.000Z');
  });

  it('writes absolute UTC times that read back to the second', () => {
    const t = Date.UTC(2027, 0, 5, 3, 4, 5, 678);
    expect(formatSmppTime(t)).toBe('270105030405000+');
    const back = parseSmppTime(formatSmppTime(t), NOW);
    expect(back).toEqual({ ok: true, at: Date.UTC(2027, 0, 5, 3, 4, 5) });
  });
});
