import { z } from 'zod';
import type { InEntry } from './entries';

/**
 * What a replacement sets in a message that was not yet handed to an SMSC: replace_sm (§4.10:
 * text, registered_delivery, and schedule and validity unless NULL) or a submit_sm with
 * replace_if_present_flag (§5.2.18: the new submit's fields). Only the fields given change;
 * `due: 0` and `vp: ''` take a schedule or validity away (a new submit without one).
 */
export const replacementSchema = z.object({
  sm: z.string().optional(),
  dc: z.number().int().optional(),
  esm: z.number().int().optional(),
  pid: z.number().int().optional(),
  pri: z.number().int().optional(),
  rd: z.number().int().optional(),
  vp: z.string().optional(),
  exp: z.number().optional(),
  due: z.number().optional(),
});
export type Replacement = z.infer<typeof replacementSchema>;

/** A message's latest replacement and its version (1, 2…: each replace of the message adds one). */
export interface VersionedReplacement {
  v: number;
  set: Replacement;
}

/**
 * Redis keeps a replacement as `<version>|<json>` (the scripts read the version without
 * decoding JSON). Undefined for anything else: a stage never fails on it, it sends the message
 * as it is.
 */
export function parseReplacement(raw: string | null | undefined): VersionedReplacement | undefined {
  if (!raw) return undefined;
  const bar = raw.indexOf('|');
  const v = Number(raw.slice(0, bar));
  if (bar < 1 || !Number.isInteger(v) || v < 1) return undefined;
  try {
    const set = replacementSchema.safeParse(JSON.parse(raw.slice(bar + 1)));
    return set.success ? { v, set: set.data } : undefined;
  } catch {
    return undefined;
  }
}

/** True when `m` is a copy older than the replacement: it must be applied before the message goes on. */
export function isSuperseded(m: Pick<InEntry, 'rv'>, r: VersionedReplacement | undefined): r is VersionedReplacement {
  return !!r && r.v > (m.rv ?? 0);
}

/** The message as replaced: the replacement's fields over the copy's, stamped with its version. */
export function applyReplacement<T extends InEntry>(m: T, r: VersionedReplacement): T {
  const out: T = { ...m, rv: r.v };
  for (const [k, val] of Object.entries(r.set) as [keyof Replacement, string | number | undefined][]) {
    if (val === undefined) continue;
    if (k === 'due' && val === 0) delete out.due;
    else if (k === 'vp' && val === '') delete out.vp;
    else (out as Record<string, unknown>)[k] = val;
  }
  return out;
}
