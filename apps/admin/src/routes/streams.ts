import { z } from 'zod';
import { readClients, streamGroups } from '@smsgw/redis';
import type { AdminApp, RouteDeps } from '../admin-server';
import { ourStreams } from '../our-streams';

const groupSchema = z.object({
  name: z.string(),
  consumers: z.number().int(),
  /** Delivered to a consumer and not acknowledged. */
  pending: z.number().int(),
  /** Not yet delivered; null when Redis cannot tell (after deletions in the stream). */
  lag: z.number().int().nullable(),
  lastDeliveredId: z.string(),
});

const streamSchema = z.object({
  stream: z.string(),
  kind: z.enum(['in', 'out', 'dlr-in', 'journal', 'dlr', 'dead']),
  of: z.string().optional(),
  length: z.number().int(),
  groups: z.array(groupSchema),
});

/** Length and consumer groups of every stream: is a stage behind, is a client not collecting receipts? */
export function registerStreamRoutes(app: AdminApp, deps: RouteDeps): void {
  app.get(
    '/v1/streams',
    {
      config: { access: 'viewer' },
      schema: { summary: 'Length and consumer groups (pending, lag, consumers) of every stream', tags: ['streams'], response: { 200: z.object({ streams: z.array(streamSchema) }) } },
    },
    async () => {
      // Clients added at run time have receipt streams too.
      const runtime = await readClients(deps.redis, deps.config.redis.prefix, deps.config.clients);
      const streams = await Promise.all(
        ourStreams(deps.config, deps.names, [...runtime.clients.keys()]).map(async (s) => {
          const [length, groups] = await Promise.all([deps.redis.xlen(s.stream), streamGroups(deps.redis, s.stream)]);
          return { stream: s.stream, kind: s.kind, ...(s.of !== undefined ? { of: s.of } : {}), length, groups };
        }),
      );
      return { streams };
    },
  );
}
