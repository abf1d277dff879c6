/**
 * The expiry a message gets when it is accepted (ms since epoch): its validity_period, capped by
 * the maximum age counted from acceptance or, for a scheduled message, from its schedule.
 */
export function messageExpiry(o: { at: number; due?: number; validity?: number; maxAgeMs: number }): number {
  const cap = (o.due ?? o.at) + o.maxAgeMs;
  return o.validity === undefined ? cap : Math.min(o.validity, cap);
}

/** Whether a message must not be sent any more: its expiry, or its age past an SMSC's own cap. */
export function isExpired(m: { at: number; due?: number; exp?: number }, now: number, smscMaxAgeMs?: number): boolean {
  return now >= sendableUntil(m, smscMaxAgeMs);
}

/** The time until which a message may still be sent (Infinity when nothing bounds it). */
export function sendableUntil(m: { at: number; due?: number; exp?: number }, smscMaxAgeMs?: number): number {
  return Math.min(m.exp ?? Infinity, smscMaxAgeMs === undefined ? Infinity : (m.due ?? m.at) + smscMaxAgeMs);
}
