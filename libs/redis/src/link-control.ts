import { z } from 'zod';
import type { Redis } from './redis-client';
import { parseStored } from './stored-json';

/**
 * What operators set on an SMSC link, obeyed by every sender: `active` (the default) sends;
 * `suspended` sends nothing new and keeps its sessions bound (receipts keep coming);
 * `draining` sends nothing new, lets what is in flight finish, then unbinds until resumed.
 * Messages for a link that does not send wait — or go to another bound link of their route —
 * as for a link that is down: nothing is failed or lost.
 */
export const LINK_MODES = ['active', 'suspended', 'draining'] as const;
export type LinkMode = (typeof LINK_MODES)[number];

export const linkSettingSchema = z.object({ mode: z.enum(LINK_MODES), by: z.string(), at: z.number() });
export type LinkSetting = z.infer<typeof linkSettingSchema>;

/** What one sender reports of one link. */
export const linkReportSchema = z.object({
  smsc: z.string(),
  mode: z.enum(LINK_MODES),
  /** Sessions configured and bound now. */
  sessions: z.number().int(),
  bound: z.number().int(),
  /** Requests sent and not yet answered, over its sessions. */
  inFlight: z.number().int(),
  /** When a bound session last heard from the SMSC (ms), if one is bound. */
  lastHeardAt: z.number().nullable(),
  /**
   * The link limiter's rate now (segments/s, shared by every sender: below the configured
   * throughput while the SMSC throttles); null without a limit. Absent from older senders.
   */
  effectiveRate: z.number().nullable().optional(),
  /** Submits the SMSC answered per second here, over the last report interval. */
  sendRate: z.number().optional(),
});
export type LinkReport = z.infer<typeof linkReportSchema>;

/** What one sender reports of all its links, and when. */
export const senderReportSchema = z.object({ instance: z.string(), at: z.number(), links: z.array(linkReportSchema) });
export type SenderReport = z.infer<typeof senderReportSchema>;

/** Settings: one hash, field = SMSC id. Reports: one key per sender, and a sorted set of who reported when. */
export const linkKeys = (prefix: string) => ({
  settings: `${prefix}:links:settings`,
  reporters: `${prefix}:links:reporters`,
  report: (instance: string) => `${prefix}:links:report:${instance}`,
});

/**
 * The link settings and the senders' reports in Redis. Senders read the settings every
 * `LINK_POLL_MS` (one HGETALL), so a change is obeyed everywhere within a second; each writes
 * its report every few seconds with an expiry, so a sender that stopped drops out.
 */
export function createLinkControl(redis: Redis, prefix: string) {
  const keys = linkKeys(prefix);
  return {
    /** Sets an SMSC's mode; returns what it was (null: never set, i.e. active). */
    async set(smsc: string, mode: LinkMode, by: string, at = Date.now()): Promise<{ before: LinkSetting | null; after: LinkSetting }> {
      const after: LinkSetting = { mode, by, at };
      // HGET then HSET: the audit's "before" may miss a concurrent change, the setting itself cannot.
      const before = parseStored(linkSettingSchema, await redis.hget(keys.settings, smsc)) ?? null;
      await redis.hset(keys.settings, smsc, JSON.stringify(after));
      return { before, after };
    },
    /** Every SMSC's setting that was ever set (absent = active). */
    async settings(): Promise<Map<string, LinkSetting>> {
      const all = await redis.hgetall(keys.settings);
      const out = new Map<string, LinkSetting>();
      for (const [smsc, raw] of Object.entries(all)) {
        const s = parseStored(linkSettingSchema, raw);
        if (s) out.set(smsc, s);
      }
      return out;
    },
    async report(r: SenderReport, ttlMs: number): Promise<void> {
      await Promise.all([
        redis.set(keys.report(r.instance), JSON.stringify(r), 'PX', ttlMs),
        redis.zadd(keys.reporters, r.at, r.instance),
      ]);
    },
    /** The senders' latest reports (those that reported within `maxAgeMs`). */
    async reports(now = Date.now(), maxAgeMs = 15_000): Promise<SenderReport[]> {
      await redis.zremrangebyscore(keys.reporters, '-inf', `(${now - maxAgeMs}`);
      const instances = await redis.zrange(keys.reporters, '0', '-1');
      const raw = await Promise.all(instances.map((i) => redis.get(keys.report(i))));
      return raw.flatMap((r) => {
        const v = parseStored(senderReportSchema, r);
        return v ? [v] : [];
      });
    },
  };
}

export type LinkControl = ReturnType<typeof createLinkControl>;

/** How often senders read the settings (a change is obeyed within about this long). */
export const LINK_POLL_MS = 500;
