/**
 * SMPP v3.4 time fields (§7.1.1), as schedule_delivery_time and validity_period carry them:
 * `YYMMDDhhmmsstnnp`, 16 characters.
 *   absolute (§7.1.1.1): p is '+' or '-', nn the offset from UTC in quarter hours (local = UTC +
 *             p·nn·15 min), t tenths of a second;
 *   relative (§7.1.1.2): p is 'R', the fields are an interval added to the time the SMSC (here:
 *             we) got it.
 * An empty field means "none" (immediate delivery / the default validity).
 */
const FORMAT = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d)(\d\d)([+\-R])$/;

export type SmppTimeResult = { ok: true; at: number } | { ok: false; reason: string };

const two = (n: number) => String(n).padStart(2, '0');

/** The first field outside its range, as a reason, or undefined when all are in range. */
function outOfRange(fields: [name: string, value: number, min: number, max: number][]): string | undefined {
  for (const [name, v, min, max] of fields) {
    if (v < min || v > max) return `${name} ${two(v)} is outside ${two(min)}–${two(max)}`;
  }
  return undefined;
}

/** The time a field names, in ms since the epoch (relative ones from `now`). */
export function parseSmppTime(field: string, now: number): SmppTimeResult {
  const m = FORMAT.exec(field);
  if (!m) return { ok: false, reason: 'not of the form YYMMDDhhmmsstnnp' };
  const [yy, mo, dd, hh, mi, ss, t, nn] = m.slice(1, 9).map(Number) as [number, number, number, number, number, number, number, number];
  const p = m[9];
  if (p === 'R') {
    // §7.1.1.2 reads the fields as a count of years, months, days, hours, minutes and seconds
    // with the definitions of §7.1.1: the same upper bounds (12, 31, 23, 59, 59), but 0 is a
    // count too. An hour 24 or a minute 60 is a carry the client should have made, and a
    // "99 days" is not a time anyone means: refused rather than guessed at. t and nn "are
    // ignored and should be set to 0 and 00": a client that fills them is not refused, since
    // the spec tells the receiver to ignore them (the regex still wants digits there).
    const bad = outOfRange([
      ['months', mo, 0, 12],
      ['days', dd, 0, 31],
      ['hours', hh, 0, 23],
      ['minutes', mi, 0, 59],
      ['seconds', ss, 0, 59],
    ]);
    if (bad) return { ok: false, reason: `relative time: ${bad}` };
    // Calendar arithmetic for years and months (one month from 31 January is 3 March, as Date does).
    const d = new Date(now);
    d.setUTCFullYear(d.getUTCFullYear() + yy, d.getUTCMonth() + mo, d.getUTCDate() + dd);
    return { ok: true, at: d.getTime() + ((hh * 60 + mi) * 60 + ss) * 1000 };
  }
  // §7.1.1: MM 01–12, DD 01–31, hh 00–23, mm 00–59, ss 00–59, t 0–9 (a digit already), nn 00–48.
  const bad = outOfRange([
    ['month', mo, 1, 12],
    ['day', dd, 1, 31],
    ['hour', hh, 0, 23],
    ['minute', mi, 0, 59],
    ['second', ss, 0, 59],
    ['UTC offset (quarter hours)', nn, 0, 48],
  ]);
  if (bad) return { ok: false, reason: `absolute time: ${bad}` };
  const year = 2000 + yy; // two-digit years: this century
  const local = Date.UTC(year, mo - 1, dd, hh, mi, ss, t * 100);
  // Date.UTC rolls 31 April or 29 February 2027 over into the next month: such a date does not
  // exist (leap years come right with it: 29 February 2028 stays).
  if (new Date(local).getUTCDate() !== dd) return { ok: false, reason: `absolute time: no day ${two(dd)} in ${year}-${two(mo)}` };
  const offsetMs = nn * 15 * 60_000 * (p === '-' ? -1 : 1);
  return { ok: true, at: local - offsetMs };
}

/** An absolute SMPP time in UTC (`…000+`), to the second: what the gateway passes on to an SMSC. */
export function formatSmppTime(at: number): string {
  const d = new Date(at);
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}000+`;
}
