import { z } from 'zod';
import type { AdminApp, RouteDeps } from '../admin-server';
import { AdminError, errorBodySchema } from '../errors';

/**
 * /livez: the process answers (restart it if not). /readyz: it can do its work — Redis and the
 * state store answer (take it out of the load balancer if not). Both without a token, for
 * orchestrator probes; a failing readiness names the check but not its detail (which may hold a
 * connection URL), the detail goes to the log.
 */
export function registerHealthRoutes(app: AdminApp, deps: RouteDeps): void {
  app.get(
    '/livez',
    { config: { access: 'public' }, schema: { summary: 'The process is up', tags: ['probes'], response: { 200: z.object({ status: z.literal('live') }) } } },
    async () => ({ status: 'live' as const }),
  );
  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Redis and the state store answer',
        tags: ['probes'],
        response: { 200: z.object({ status: z.literal('ready') }), 503: errorBodySchema },
      },
    },
    async (req) => {
      const results = await Promise.all(
        Object.entries(deps.checks).map(async ([name, check]) => {
          try {
            await check();
            return undefined;
          } catch (err) {
            req.log.warn({ check: name, err: (err as Error).message }, 'readiness check failed');
            return name;
          }
        }),
      );
      const failed = results.filter((n): n is string => n !== undefined);
      if (failed.length) throw new AdminError('not_ready', `not answering: ${failed.join(', ')}`);
      return { status: 'ready' as const };
    },
  );
}
