/**
 * Delivery receipt text, SMPP v3.4 Appendix B (de-facto format; the spec calls it SMSC specific):
 * `id:IIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:EEE text:...`
 */
export interface ReceiptTextInput {
  id: string;
  sub?: number;
  dlvrd?: number;
  submitDate: Date;
  doneDate: Date;
  stat: string;
  err?: number | string;
  text?: string;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** YYMMDDhhmm in UTC (Appendix B). */
export function formatReceiptDate(d: Date): string {
  return (
    pad(d.getUTCFullYear() % 100, 2) +
    pad(d.getUTCMonth() + 1, 2) +
    pad(d.getUTCDate(), 2) +
    pad(d.getUTCHours(), 2) +
    pad(d.getUTCMinutes(), 2)
  );
}

export function formatReceiptText(r: ReceiptTextInput): string {
  const dlvrd = r.dlvrd ?? (r.stat === 'DELIVRD' ? 1 : 0);
  const err = typeof r.err === 'string' ? r.err : pad(r.err ?? 0, 3);
  // Appendix B: "text" carries the first 20 characters of the original message.
  const text = Array.from(r.text ?? '').slice(0, 20).join('');
  return (
    `id:${r.id} sub:${pad(r.sub ?? 1, 3)} dlvrd:${pad(dlvrd, 3)} ` +
    `submit date:${formatReceiptDate(r.submitDate)} done date:${formatReceiptDate(r.doneDate)} ` +
    `stat:${r.stat} err:${err} text:${text}`
  );
}

export interface ParsedReceiptText {
  id?: string;
  sub?: string;
  dlvrd?: string;
  submitDate?: Date;
  doneDate?: Date;
  stat?: string;
  err?: string;
  text?: string;
  /** Any other `key:value` pair, key lower-cased (vendors add e.g. `imsi:` or `nw:`). */
  extra: Record<string, string>;
}

const KNOWN = new Set(['id', 'sub', 'dlvrd', 'submit date', 'done date', 'stat', 'err', 'text']);
// A key starts the string or follows whitespace, so `:` inside a value (e.g. an id) is no key.
const KEY = /(?<=^|\s)(submit[ _]date|done[ _]date|[a-z][a-z0-9_]*):/gi;

/** YYMMDDhhmm or YYMMDDhhmmss as UTC; undefined for anything else. */
export function parseReceiptDate(s: string): Date | undefined {
  if (s.length !== 10 && s.length !== 12) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const two = (i: number) => (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48);
  const yy = two(0);
  const mo = two(2);
  const dd = two(4);
  const hh = two(6);
  const mi = two(8);
  const ss = s.length === 12 ? two(10) : 0;
  const d = new Date(Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss));
  // Reject values Date.UTC silently rolls over (month 13, 31 February, 25 o'clock).
  if (d.getUTCMonth() !== mo - 1 || d.getUTCDate() !== dd || d.getUTCHours() !== hh || d.getUTCMinutes() !== mi) return undefined;
  return d;
}

/** The keys of the canonical layout, in order, each with the separator before it. */
const CANONICAL = [' sub:', ' dlvrd:', ' submit date:', ' done date:', ' stat:', ' err:', ' text:'] as const;
/** A character of JavaScript's `\s` (what the tolerant parse's keys follow), by code unit. */
function isSpace(c: number): boolean {
  if (c > 32 && c < 160) return false;
  return c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 5760 || (c >= 8192 && c <= 8202) || c === 8232 || c === 8233 || c === 8239 || c === 8287 || c === 12288 || c === 65279;
}

/**
 * The receipt as nearly every SMSC writes it — Appendix B's keys, lower-case, in its order, one
 * space apart, no blank inside a value and no `:` in the text — read with a few indexOf calls:
 * the same result as the tolerant parse (a property test holds them together); undefined for any
 * other text, which the tolerant parse then reads.
 */
export function parseReceiptTextCanonical(s: string): ParsedReceiptText | undefined {
  if (!s.startsWith('id:')) return undefined;
  const values: string[] = [];
  let at = 3;
  for (const key of CANONICAL) {
    const next = s.indexOf(key, at);
    if (next < 0) return undefined;
    for (let i = at; i < next; i++) if (isSpace(s.charCodeAt(i))) return undefined;
    values.push(s.slice(at, next));
    at = next + key.length;
  }
  const text = s.slice(at);
  if (text.includes(':')) return undefined;
  return {
    extra: {},
    id: values[0],
    sub: values[1],
    dlvrd: values[2],
    submitDate: parseReceiptDate(values[3]!),
    doneDate: parseReceiptDate(values[4]!),
    stat: values[5],
    err: values[6],
    text: text.trimEnd(),
  };
}

/**
 * Tolerant parse: keys in any order and any case, missing keys undefined, unknown keys in
 * `extra`. `text` runs until the next KNOWN key (or the end), so a colon inside the message text
 * does not cut it short. The canonical layout takes a shortcut (parseReceiptTextCanonical).
 */
export function parseReceiptText(s: string): ParsedReceiptText {
  return parseReceiptTextCanonical(s) ?? parseReceiptTextTolerant(s);
}

/** The tolerant parse without the canonical shortcut (exported for the tests that compare them). */
export function parseReceiptTextTolerant(s: string): ParsedReceiptText {
  const matches = [...s.matchAll(KEY)].map((m) => ({
    key: m[1]!.toLowerCase().replace('_', ' '),
    start: m.index!,
    valueStart: m.index! + m[0].length,
  }));
  const out: ParsedReceiptText = { extra: {} };
  for (let i = 0; i < matches.length; i++) {
    const { key, valueStart } = matches[i]!;
    let j = i + 1;
    if (key === 'text') while (j < matches.length && !KNOWN.has(matches[j]!.key)) j++;
    const end = j < matches.length ? matches[j]!.start : s.length;
    // trimEnd, not /\s+$/: that regex retries from every blank of a long run that a non-blank
    // follows, quadratic on the 32 K characters an SMSC may put here. Same \s set, linear.
    const value = key === 'text' ? s.slice(valueStart, end).trimEnd() : s.slice(valueStart, end).trim();
    assign(out, key, value);
    i = j - 1;
  }
  return out;
}

function assign(out: ParsedReceiptText, key: string, value: string): void {
  switch (key) {
    case 'id':
    case 'sub':
    case 'dlvrd':
    case 'stat':
    case 'err':
    case 'text':
      out[key] = value;
      return;
    case 'submit date':
      out.submitDate = parseReceiptDate(value);
      return;
    case 'done date':
      out.doneDate = parseReceiptDate(value);
      return;
    default:
      out.extra[key] = value;
  }
}
