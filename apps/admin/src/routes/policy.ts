import { z } from 'zod';
import { POLICY_REASONS, poolName } from '@smsgw/domain';
import { createPolicyRollout, PolicyConflictError, PolicyInvalidError, PolicyNotKeptError, type PolicyVersion } from '@smsgw/mcp';
import type { AdminApp, RouteDeps } from '../admin-server';
import { AdminError, errorBodySchema } from '../errors';
import { policyInForce } from '../policy-in-force';

/** A policy-worker reports every few seconds: one silent for longer has stopped, or lost Redis. */
const STALE_AFTER_MS = 15_000;

const versionSchema = z.object({ version: z.number().int(), policy: z.unknown(), by: z.string(), at: z.number(), rollbackOf: z.number().int().optional() });

/** Redis-side refusals as API errors: a stale expectVersion 409, a version no longer kept 404. */
function asAdminError(err: unknown): unknown {
  if (err instanceof PolicyInvalidError) return new AdminError('invalid_request', err.message);
  if (err instanceof PolicyConflictError) return new AdminError('conflict', err.message);
  if (err instanceof PolicyNotKeptError) return new AdminError('not_found', err.message);
  return err;
}

/**
 * The MCP's rules at run time (policy-rollout.ts in libs/mcp): the rules in force and where
 * they come from, the effective routes, what each policy-worker applies; a new version (admin),
 * the versions kept, and rollback (admin), which re-publishes an older version as a new one.
 * Every change is audited with the whole new version, so the `mcp` bucket keeps each one.
 */
export function registerPolicyRoutes(app: AdminApp, deps: RouteDeps): void {
  const rollout = createPolicyRollout(deps.redis, deps.config.redis.prefix);
  const before = (v: PolicyVersion | null) => v ?? { source: 'file', policy: deps.config.policy };

  app.get(
    '/v1/policy',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'The MCP rules in force (a version set in Redis, else the config file\'s), the effective routes, the version each policy-worker applies, and the reason codes of rejections',
        tags: ['policy'],
      },
    },
    async () => {
      const t = deps.now();
      const [inForce, workers, clients] = await Promise.all([policyInForce(rollout, deps.config.policy), rollout.applied(t), deps.clients()]);
      const route = (client: string | null) => (r: (typeof deps.config.routes)[number]) => ({
        client, prefix: r.prefix, pool: poolName(r), smscs: r.smscs, ...(r.weights.some((w) => w !== r.weights[0]) ? { weights: r.weights } : {}), backup: r.backup,
      });
      return {
        ...inForce,
        reasons: POLICY_REASONS,
        routes: [...deps.config.routes.map(route(null)), ...clients.flatMap((c) => c.routes.map(route(c.systemId)))],
        workers: workers.map((w) => ({ ...w, stale: t - w.at > STALE_AFTER_MS, current: w.version === inForce.version })),
      };
    },
  );

  app.put(
    '/v1/policy',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Publish a new version of the MCP rules (the config `policy` section as JSON); every policy-worker applies it within a second. expectVersion (0: none set yet) refuses it when someone else changed the rules first',
        tags: ['policy'],
        body: z.object({ policy: z.record(z.string(), z.unknown()), expectVersion: z.number().int().min(0).optional() }),
        response: { 200: z.object({ version: z.number().int() }), 400: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req) => {
      const who = req.principal!;
      const change = await rollout.set(req.body.policy, who.name, { expectVersion: req.body.expectVersion, at: deps.now() }).catch((err: unknown) => {
        throw asAdminError(err);
      });
      await deps.audit(who, { action: 'policy.set', target: 'policy', before: before(change.before), after: change.after });
      req.log.info({ who: who.name, version: change.after.version }, 'policy version set');
      return { version: change.after.version };
    },
  );

  app.get(
    '/v1/policy/history',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'The version in force and the ones kept before it (the last 20), newest first',
        tags: ['policy'],
        response: { 200: z.object({ current: z.number().int(), versions: z.array(versionSchema) }) },
      },
    },
    async () => rollout.history(),
  );

  app.post(
    '/v1/policy/rollback',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Publish the version before the one in force (or `version`) again, as a new version',
        tags: ['policy'],
        // No body at all: the version before the one in force.
        body: z.object({ version: z.number().int().min(1).optional(), expectVersion: z.number().int().min(0).optional() }).nullish(),
        response: { 200: z.object({ version: z.number().int(), rollbackOf: z.number().int() }), 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (req) => {
      const who = req.principal!;
      const change = await rollout.rollback(who.name, { toVersion: req.body?.version, expectVersion: req.body?.expectVersion, at: deps.now() }).catch((err: unknown) => {
        throw asAdminError(err);
      });
      await deps.audit(who, { action: 'policy.rollback', target: 'policy', before: before(change.before), after: change.after });
      req.log.info({ who: who.name, version: change.after.version, rollbackOf: change.after.rollbackOf }, 'policy rolled back');
      return { version: change.after.version, rollbackOf: change.after.rollbackOf! };
    },
  );
}
