import { z } from 'zod';
import type { AdminApp, RouteDeps } from '../admin-server';
import { createDeadLetters } from '../dead-letters';
import { roleAtLeast } from '../auth';
import { errorBodySchema } from '../errors';
import { ourStreams } from '../our-streams';

const streamId = z.string().regex(/^[0-9]{1,20}-[0-9]{1,20}$/, 'a stream entry id (<ms>-<seq>)');

const deadLetterSchema = z.object({
  entryId: z.string(),
  stream: z.string().nullable(),
  id: z.string().nullable(),
  deliveries: z.number().int().nullable(),
  data: z.unknown().optional(),
  replayable: z.boolean(),
});

/** The dead-letter stream: entries that failed too often, and putting one back on its stream. */
export function registerDeadLetterRoutes(app: AdminApp, deps: RouteDeps): void {
  // Run-time clients' receipt streams too: a client added through the API after this app started.
  const replayTargets = async () =>
    new Set(ourStreams(deps.config, deps.names, (await deps.clients()).map((c) => c.systemId)).filter((s) => s.kind !== 'dead').map((s) => s.stream));
  const dead = createDeadLetters({ redis: deps.redis, deadStream: deps.names.dead, replayTargets, now: deps.now });

  app.get(
    '/v1/dead-letters',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Entries of the dead-letter stream, oldest first',
        tags: ['dead letters'],
        querystring: z.object({
          count: z.coerce.number().int().min(1).max(1000).default(100),
          /** Continue after this entry id (the `next` of the previous page). */
          after: streamId.optional(),
        }),
        response: { 200: z.object({ entries: z.array(deadLetterSchema), next: z.string().nullable() }) },
      },
    },
    async (req) => {
      const all = await dead.list(req.query.count, req.query.after);
      // The entries hold message text and numbers (personal data): shown from operator up; a
      // viewer sees where each came from and whether it can be replayed.
      const entries = roleAtLeast(req.principal!.role, 'operator') ? all : all.map(({ data: _data, ...rest }) => rest);
      return { entries, next: all.length === req.query.count ? all[all.length - 1]!.entryId : null };
    },
  );

  app.post(
    '/v1/dead-letters/:entryId/replay',
    {
      config: { access: 'operator' },
      schema: {
        summary: 'Put a dead letter back on its stream (once) and remove it from the dead-letter stream',
        tags: ['dead letters'],
        params: z.object({ entryId: streamId }),
        response: { 200: z.object({ entryId: z.string(), stream: z.string(), id: z.string() }), 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req) => {
      const who = req.principal!;
      const { entryId } = req.params;
      const r = await dead.replay(entryId, who);
      await deps.audit(who, { action: 'dead_letter.replay', target: `dead:${entryId}`, before: r.before, after: r.after });
      req.log.info({ who: who.name, entryId, stream: r.after.stream, id: r.after.id }, 'dead letter replayed');
      return { entryId, stream: r.after.stream, id: r.after.id };
    },
  );
}
