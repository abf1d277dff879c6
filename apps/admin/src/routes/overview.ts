import { z } from 'zod';
import { MESSAGE_STATES, receiptsInKey, type MessageState } from '@smsgw/contracts';
import { createLinkControl, readClients, streamGroups, type Redis } from '@smsgw/redis';
import { statsDay } from '@smsgw/store';
import type { AdminApp, RouteDeps } from '../admin-server';
import { ourStreams } from '../our-streams';

const overviewStreamSchema = z.object({
  stream: z.string(),
  kind: z.enum(['in', 'out', 'dlr-in', 'journal', 'dlr', 'dead']),
  of: z.string().optional(),
  /** XINFO STREAM's entries-added: every entry ever added (monotonic), so two polls give a rate. */
  entriesAdded: z.number().int(),
  length: z.number().int(),
  /** The reading group's entries not yet delivered; null without a group, or when Redis cannot tell. */
  lag: z.number().int().nullable(),
  /** The reading group's entries delivered and not yet acknowledged; null without a group. */
  pending: z.number().int().nullable(),
});

export const overviewSchema = z.object({
  at: z.number(),
  streams: z.array(overviewStreamSchema),
  /** Configured SMSC links: up (active, a session bound), down (active, none bound), stopped (drained or suspended by operators). */
  links: z.object({ up: z.number().int(), down: z.number().int(), stopped: z.number().int() }),
  deadLetters: z.number().int(),
  /** SMSC receipts the senders have written to `dlr-in`, ever (monotonic: two polls give receipts/s; an entry may hold several). */
  receiptsIn: z.number().int(),
  /** Final states counted today (UTC) from receipts and cancels, over the configured clients and SMSCs; null when there are too many pairs to read cheaply. */
  today: z.partialRecord(z.enum(MESSAGE_STATES), z.number().int()).nullable(),
});

// Beyond this many (client, SMSC) counters the overview, polled every few seconds, would cost more than it tells.
const MAX_STAT_PAIRS = 200;

/** XINFO STREAM's length and entries-added; a stream not created yet has neither. */
async function streamCounts(redis: Redis, stream: string): Promise<{ length: number; entriesAdded: number }> {
  const raw = (await redis.xinfo('STREAM', stream).catch(() => null)) as unknown[] | null;
  if (!raw) return { length: 0, entriesAdded: 0 };
  const info: Record<string, unknown> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) info[String(raw[i])] = raw[i + 1];
  return { length: Number(info.length ?? 0), entriesAdded: Number(info['entries-added'] ?? info.length ?? 0) };
}

/**
 * One cheap snapshot for the console's overview: per stream its lifetime entry count (the
 * console turns two of them into msg/s), length and its group's lag; links up or down; dead
 * letters; the receipts written to `dlr-in` (a count of its own: one entry may hold several);
 * today's final states. Two or three Redis calls per stream, one per link setting read.
 */
export function registerOverviewRoute(app: AdminApp, deps: RouteDeps): void {
  const control = createLinkControl(deps.redis, deps.config.redis.prefix);
  const smscIds = deps.config.smscs.map((s) => s.id);

  const today = async (at: number, clients: string[]): Promise<Partial<Record<MessageState, number>> | null> => {
    // '-': messages that ended before any SMSC took them (cancelled, say) are counted under it.
    const pairs = clients.flatMap((c) => [...smscIds, '-'].map((smsc) => [c, smsc] as const));
    if (pairs.length > MAX_STAT_PAIRS) return null;
    const day = statsDay(at);
    const sums: Partial<Record<MessageState, number>> = {};
    for (const counts of await Promise.all(pairs.map(([client, smsc]) => deps.store.getStats(day, client, smsc)))) {
      for (const [state, n] of Object.entries(counts) as [MessageState, number][]) sums[state] = (sums[state] ?? 0) + n;
    }
    return sums;
  };

  app.get(
    '/v1/overview',
    {
      config: { access: 'viewer' },
      schema: { summary: 'A snapshot for dashboards: entries added, length and lag per stream, links up and down, dead letters, today\'s final states', tags: ['streams'], response: { 200: overviewSchema } },
    },
    async () => {
      const at = deps.now();
      // Clients added at run time have receipt streams and counters too.
      const clients = [...(await readClients(deps.redis, deps.config.redis.prefix, deps.config.clients)).clients.keys()];
      const streams = ourStreams(deps.config, deps.names, clients);
      const [rows, settings, reports, counts, receiptsIn] = await Promise.all([
        Promise.all(
          streams.map(async (s) => {
            const [c, groups] = await Promise.all([streamCounts(deps.redis, s.stream), s.group ? streamGroups(deps.redis, s.stream) : Promise.resolve([])]);
            const g = groups.find((x) => x.name === s.group);
            return { stream: s.stream, kind: s.kind, ...(s.of !== undefined ? { of: s.of } : {}), ...c, lag: g?.lag ?? null, pending: g?.pending ?? null };
          }),
        ),
        control.settings(),
        control.reports(at),
        today(at, clients),
        deps.redis.get(receiptsInKey(deps.config.redis.prefix)),
      ]);
      const links = { up: 0, down: 0, stopped: 0 };
      for (const smsc of smscIds) {
        const bound = reports.reduce((n, r) => n + r.links.filter((l) => l.smsc === smsc).reduce((m, l) => m + l.bound, 0), 0);
        if ((settings.get(smsc)?.mode ?? 'active') !== 'active') links.stopped++;
        else if (bound > 0) links.up++;
        else links.down++;
      }
      const deadLetters = rows.find((r) => r.kind === 'dead')?.length ?? 0;
      return { at, streams: rows, links, deadLetters, receiptsIn: Number(receiptsIn ?? 0), today: counts };
    },
  );
}
