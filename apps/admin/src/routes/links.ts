import { z } from 'zod';
import { createLinkControl, LINK_MODES, type LinkMode } from '@smsgw/redis';
import type { AdminApp, RouteDeps } from '../admin-server';
import { AdminError, errorBodySchema } from '../errors';

const senderLinkSchema = z.object({
  instance: z.string(),
  /** The mode this sender is in for the link (it obeys a change within a second). */
  mode: z.enum(LINK_MODES),
  bound: z.number().int(),
  sessions: z.number().int(),
  inFlight: z.number().int(),
  lastHeardAt: z.number().nullable(),
  /** The link limiter's rate as this sender last saw it (segments/s); null without a limit. */
  effectiveRate: z.number().nullable(),
  /** Submits the SMSC answered per second through this sender (over its last report interval). */
  sendRate: z.number(),
  reportedAt: z.number(),
});

const linkSchema = z.object({
  smsc: z.string(),
  /** What operators set (active unless set otherwise). */
  mode: z.enum(LINK_MODES),
  setBy: z.string().nullable(),
  setAt: z.number().nullable(),
  /** The contracted throughput (smscs[].throughput, segments/s; 0 = unlimited). */
  throughput: z.number(),
  /**
   * The rate the link's limiter allows now (segments/s, one bucket shared by every sender):
   * below `throughput` while the SMSC throttles, back up as it recovers; null without a limit
   * or before a sender reported it.
   */
  effectiveRate: z.number().nullable(),
  /** Submits the SMSC answered per second, over every sender. */
  sendRate: z.number(),
  /** Sessions bound over every sender, and each sender's view. */
  bound: z.number().int(),
  senders: z.array(senderLinkSchema),
});

const VERBS: Record<string, LinkMode> = { drain: 'draining', suspend: 'suspended', resume: 'active' };

/**
 * The SMSC links: what each sender reports of them, and drain / suspend / resume, which every
 * sender obeys within a second (link-control.ts in libs/redis).
 */
export function registerLinkRoutes(app: AdminApp, deps: RouteDeps): void {
  const control = createLinkControl(deps.redis, deps.config.redis.prefix);
  const smscs = new Map(deps.config.smscs.map((s) => [s.id, s]));

  app.get(
    '/v1/links',
    {
      config: { access: 'viewer' },
      schema: { summary: 'Every SMSC link: its mode, sessions bound per sender, requests in flight, when the SMSC was last heard', tags: ['links'], response: { 200: z.object({ links: z.array(linkSchema) }) } },
    },
    async () => {
      const [settings, reports] = await Promise.all([control.settings(), control.reports(deps.now())]);
      const links = [...smscs.values()].map((s) => {
        const set = settings.get(s.id);
        const senders = reports.flatMap((r) =>
          r.links.filter((l) => l.smsc === s.id).map((l) => ({
            instance: r.instance, mode: l.mode, bound: l.bound, sessions: l.sessions, inFlight: l.inFlight, lastHeardAt: l.lastHeardAt,
            effectiveRate: l.effectiveRate ?? null, sendRate: l.sendRate ?? 0, reportedAt: r.at,
          })),
        );
        // The freshest report's view of the shared bucket.
        const rated = senders.filter((x) => x.effectiveRate !== null).sort((a, b) => b.reportedAt - a.reportedAt)[0];
        return {
          smsc: s.id, mode: set?.mode ?? 'active', setBy: set?.by ?? null, setAt: set?.at ?? null, throughput: s.throughput,
          effectiveRate: rated?.effectiveRate ?? null, sendRate: senders.reduce((n, x) => n + x.sendRate, 0),
          bound: senders.reduce((n, x) => n + x.bound, 0), senders,
        };
      });
      return { links };
    },
  );

  app.post(
    '/v1/links/:smsc/:action',
    {
      config: { access: 'operator' },
      schema: {
        summary: 'drain (finish what is in flight, send nothing more, unbind), suspend (send nothing more, stay bound) or resume a link',
        tags: ['links'],
        params: z.object({ smsc: z.string().min(1), action: z.enum(['drain', 'suspend', 'resume']) }),
        response: { 200: z.object({ smsc: z.string(), mode: z.enum(LINK_MODES), by: z.string(), at: z.number() }), 404: errorBodySchema },
      },
    },
    async (req) => {
      const { smsc, action } = req.params;
      if (!smscs.has(smsc)) throw new AdminError('not_found', `no SMSC "${smsc}" in the config`);
      const who = req.principal!;
      const change = await control.set(smsc, VERBS[action]!, who.name, deps.now());
      await deps.audit(who, { action: `link.${action}`, target: `smsc:${smsc}`, before: change.before ?? { mode: 'active' }, after: change.after });
      req.log.info({ who: who.name, smsc, mode: change.after.mode }, 'link mode set');
      return { smsc, ...change.after };
    },
  );
}
