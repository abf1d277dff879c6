import { describe, expect, it } from 'vitest';
import { inQuietWindow, localDate, localTime, parseHhmm, quietWindowEnd, zoneOffsetMinutes } from './quiet-hours';

const at = (iso: string) => Date.parse(iso);
const london = { timezone: 'Europe/London', from: parseHhmm('21:00'), to: parseHhmm('08:00') };

describe('local time in a zone', () => {
  it('follows summer and winter time', () => {
    expect(localTime(at('2026-07-01T20:30:00Z'), 'Europe/London').minutes).toBe(21 * 60 + 30); // BST
    expect(localTime(at('2026-01-15T20:30:00Z'), 'Europe/London').minutes).toBe(20 * 60 + 30); // GMT
    expect(zoneOffsetMinutes(at('2026-07-01T12:00:00Z'), 'Europe/London')).toBe(60);
    expect(zoneOffsetMinutes(at('2026-07-01T12:00:00Z'), 'Asia/Kolkata')).toBe(330);
    expect(zoneOffsetMinutes(at('2026-07-01T12:00:00Z'), 'America/New_York')).toBe(-240);
  });

  it('gives the calendar day of the zone, not of UTC', () => {
    expect(localDate(at('2026-07-01T23:30:00Z'), 'Europe/London')).toBe('2026-07-02');
    expect(localDate(at('2026-07-01T23:30:00Z'), 'UTC')).toBe('2026-07-01');
    expect(localDate(at('2026-07-02T02:00:00Z'), 'America/New_York')).toBe('2026-07-01');
    expect(localDate(at('2026-12-31T23:00:00Z'), 'Asia/Tokyo')).toBe('2027-01-01');
  });
});

describe('quiet window', () => {
  it('is [from, to) and wraps past midnight', () => {
    expect(inQuietWindow(at('2026-07-01T19:59:00Z'), london)).toBe(false); // 20:59 BST
    expect(inQuietWindow(at('2026-07-01T20:00:00Z'), london)).toBe(true); // 21:00
    expect(inQuietWindow(at('2026-07-02T06:59:00Z'), london)).toBe(true); // 07:59
    expect(inQuietWindow(at('2026-07-02T07:00:00Z'), london)).toBe(false); // 08:00
  });

  it('handles a window inside one day and an empty window', () => {
    const lunch = { timezone: 'UTC', from: parseHhmm('12:00'), to: parseHhmm('13:00') };
    expect(inQuietWindow(at('2026-07-01T12:30:00Z'), lunch)).toBe(true);
    expect(inQuietWindow(at('2026-07-01T13:00:00Z'), lunch)).toBe(false);
    expect(inQuietWindow(at('2026-07-01T12:30:00Z'), { timezone: 'UTC', from: 600, to: 600 })).toBe(false);
  });

  it('ends at local `to` the next morning', () => {
    expect(quietWindowEnd(at('2026-07-01T22:00:00Z'), london)).toBe(at('2026-07-02T07:00:00Z'));
    expect(quietWindowEnd(at('2026-07-02T06:59:30Z'), london)).toBe(at('2026-07-02T07:00:00Z'));
    expect(quietWindowEnd(at('2026-07-01T12:00:00Z'), london)).toBeNull();
  });

  it('accounts for the spring-forward night (08:00 BST = 07:00 UTC)', () => {
    expect(quietWindowEnd(at('2026-03-28T23:00:00Z'), london)).toBe(at('2026-03-29T07:00:00Z'));
  });

  it('accounts for the fall-back night (08:00 GMT = 08:00 UTC)', () => {
    expect(quietWindowEnd(at('2026-10-24T22:00:00Z'), london)).toBe(at('2026-10-25T08:00:00Z'));
  });

  it('ends after the gap when local `to` does not exist that night', () => {
    const w = { timezone: 'Europe/London', from: parseHhmm('22:00'), to: parseHhmm('01:30') };
    const end = quietWindowEnd(at('2026-03-28T23:00:00Z'), w)!;
    expect(end).toBe(at('2026-03-29T01:30:00Z')); // 02:30 BST: 01:30 plus the hour that was skipped
    expect(inQuietWindow(end, w)).toBe(false);
  });

  it('works in a half-hour zone', () => {
    const w = { timezone: 'Asia/Kolkata', from: parseHhmm('21:00'), to: parseHhmm('08:00') };
    expect(quietWindowEnd(at('2026-07-01T16:00:00Z'), w)).toBe(at('2026-07-02T02:30:00Z')); // 21:30 IST → 08:00 IST
  });
});
