import type { z } from 'zod';

/**
 * What enters a process through Redis (settings, reports, requests other processes wrote),
 * checked against its schema: undefined when absent, not JSON, or not of that shape — a reader
 * skips it rather than crash on another version's or a hand-written value.
 */
export function parseStored<T>(schema: z.ZodType<T>, raw: string | null | undefined): T | undefined {
  if (!raw) return undefined;
  try {
    const p = schema.safeParse(JSON.parse(raw));
    return p.success ? p.data : undefined;
  } catch {
    return undefined;
  }
}
