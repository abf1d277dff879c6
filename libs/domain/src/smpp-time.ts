/**
 * SMPP v3.4 time fields (§7.1.1), as schedule_delivery_time and validity_period carry them:
 * `YYMMDDhhmmsstnnp`, 16 characters.
 *   absolute: p is '+' or '-', nn the offset from UTC in quarter hours (local = UTC + p·nn·15 min),
 *             t tenths of a second;
 *   relative: p is 'R', the fields are an interval added to the time the SMSC (here: we) got it,
 *             t and nn are ignored.
 * An empty field means "none" (immediate delivery / the default validity).
 */
const FORMAT = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d)(\d\d)([+\-R])$/;

export type SmppTimeResult = { ok: true; at: number } | { ok: false; reason: string };

/** The time a field names, in ms since the epoch (relative ones from `now`). */
export function parseSmppTime(field: string, now: number): SmppTimeResult {
  const m = FORMAT.exec(field);
  if (!m) return { ok: false, reason: 'not of the form YYMMDDhhmmsstnnp' };
  const [yy, mo, dd, hh, mi, ss, t, nn] = m.slice(1, 9).map(Number) as [number, number, number, number, number, number, number, number];
  const p = m[9];
  if (p === 'R') {
    // Calendar arithmetic for years and months (one month from 31 January is 3 March, as Date does).
    const d = new Date(now);
    d.setUTCFullYear(d.getUTCFullYear() + yy, d.getUTCMonth() + mo, d.getUTCDate() + dd);
    return { ok: true, at: d.getTime() + ((hh * 60 + mi) * 60 + ss) * 1000 };
  }
  if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 59) return { ok: false, reason: 'a field is out of range' };
  if (nn > 48) return { ok: false, reason: 'the UTC offset is over 12 hours' };
  const year = 2000 + yy; // two-digit years: this century
  const local = Date.UTC(year, mo - 1, dd, hh, mi, ss, t * 100);
  // Date.UTC rolls 31 February over into March: such a date does not exist.
  if (new Date(local).getUTCDate() !== dd) return { ok: false, reason: 'no such date' };
  const offsetMs = nn * 15 * 60_000 * (p === '-' ? -1 : 1);
  return { ok: true, at: local - offsetMs };
}

const two = (n: number) => String(n).padStart(2, '0');

/** An absolute SMPP time in UTC (`…000+`), to the second: what the gateway passes on to an SMSC. */
export function formatSmppTime(at: number): string {
  const d = new Date(at);
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}000+`;
}
