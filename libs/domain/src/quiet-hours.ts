/**
 * Local wall-clock time in an IANA time zone, and quiet-hours windows on it. Pure: the only
 * "clock" is the epoch ms passed in; Intl supplies the zone rules (DST included).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

export interface LocalTime {
  year: number;
  month: number; // 1–12
  day: number;
  /** Minutes since local midnight, 0–1439. */
  minutes: number;
}

// One message batch asks the same zone for the same minute many times; formatToParts is the
// expensive part, so the last answer per zone is kept for the minute it belongs to.
const lastByZone = new Map<string, { minute: number; local: LocalTime }>();

export function localTime(epochMs: number, tz: string): LocalTime {
  const minute = Math.floor(epochMs / 60_000);
  const hit = lastByZone.get(tz);
  if (hit && hit.minute === minute) return hit.local;
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(minute * 60_000))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const local = { year: parts.year!, month: parts.month!, day: parts.day!, minutes: parts.hour! * 60 + parts.minute! };
  lastByZone.set(tz, { minute, local });
  return local;
}

/** Offset of the zone from UTC at that instant, in minutes (London in summer: +60). */
export function zoneOffsetMinutes(epochMs: number, tz: string): number {
  const l = localTime(epochMs, tz);
  const wallAsUtc = Date.UTC(l.year, l.month - 1, l.day, Math.floor(l.minutes / 60), l.minutes % 60);
  return Math.round((wallAsUtc - Math.floor(epochMs / 60_000) * 60_000) / 60_000);
}

/** "YYYY-MM-DD" of the instant in the zone: the calendar day a daily counter belongs to. */
export function localDate(epochMs: number, tz: string): string {
  const l = localTime(epochMs, tz);
  return `${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`;
}

export function parseHhmm(s: string): number {
  const [h, m] = s.split(':').map(Number);
  return h! * 60 + m!;
}

export interface QuietWindow {
  timezone: string;
  /** Minutes since local midnight; the window is [from, to), wrapping past midnight when from > to. */
  from: number;
  to: number;
}

export function inQuietWindow(epochMs: number, w: QuietWindow): boolean {
  if (w.from === w.to) return false; // an empty window, not a 24-hour one
  const m = localTime(epochMs, w.timezone).minutes;
  return w.from < w.to ? m >= w.from && m < w.to : m >= w.from || m < w.to;
}

/**
 * When the quiet window that `epochMs` is in ends (the first instant at or after local `to`),
 * or null when `epochMs` is outside it. A DST change inside the wait is accounted for; when
 * local `to` does not exist that day (spring forward) the window ends at `to` plus the length of the gap (02:30 in a 02:00–03:00 gap → 03:30).
 */
export function quietWindowEnd(epochMs: number, w: QuietWindow): number | null {
  if (!inQuietWindow(epochMs, w)) return null;
  const m = localTime(epochMs, w.timezone).minutes;
  const minuteStart = Math.floor(epochMs / 60_000) * 60_000;
  const naive = minuteStart + ((w.to - m + 1440) % 1440) * 60_000;
  const shift = zoneOffsetMinutes(naive, w.timezone) - zoneOffsetMinutes(epochMs, w.timezone);
  const corrected = naive - shift * 60_000;
  // Spring forward: the corrected instant can fall back inside the window; the naive one is past the gap.
  if (corrected > epochMs && !inQuietWindow(corrected, w)) return corrected;
  return naive;
}
