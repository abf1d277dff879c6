import { z } from 'zod';
import { createPolicyRollout, policyKeys } from '@smsgw/mcp';
import type { AdminApp, RouteDeps } from '../admin-server';
import { errorBodySchema } from '../errors';
import { policyInForce, validatedPolicy } from '../policy-in-force';
import { createRouteTester } from '../route-test';

const stageSchema = z.object({
  stage: z.string(),
  verdict: z.enum(['pass', 'reject', 'defer', 'skip']),
  reason: z.string().optional(),
  status: z.number().int().optional(),
});

/** The dry run: what the gateway would do with one message now, with nothing sent, counted or journaled. */
export function registerRouteTestRoute(app: AdminApp, deps: RouteDeps): void {
  const rollout = createPolicyRollout(deps.redis, deps.config.redis.prefix);
  const test = createRouteTester({ redis: deps.redis, keys: policyKeys(deps.config.redis.prefix), config: deps.config, clients: deps.clients, now: deps.now });

  app.post(
    '/v1/route-test',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Dry run of one message: each MCP stage\'s verdict under the rules in force (nothing counted or written), the pool and SMSC, the encoding and segments the sender would use',
        tags: ['policy'],
        body: z.object({
          client: z.string().min(1).max(15),
          destination: z.string().min(1).max(32),
          text: z.string().max(5_000),
          source: z.string().max(21).optional(),
          dataCoding: z.number().int().min(0).max(255).optional(),
        }),
        response: {
          200: z.object({
            client: z.string(),
            destination: z.string(),
            normalisedDestination: z.string(),
            source: z.string(),
            dataCoding: z.number().int(),
            policyVersion: z.number().int(),
            stages: z.array(stageSchema),
            allowed: z.boolean(),
            pool: z.string().nullable(),
            smsc: z.string().nullable(),
            smscs: z.array(z.string()),
            backup: z.array(z.string()).optional(),
            encoding: z.enum(['gsm7', 'latin1', 'ucs2']),
            smscDataCoding: z.number().int(),
            segmentation: z.string(),
            segments: z.number().int(),
            bytes: z.number().int(),
          }),
          400: errorBodySchema,
          404: errorBodySchema,
        },
      },
    },
    async (req) => {
      const inForce = await policyInForce(rollout, deps.config.policy);
      return { ...(await test(req.body, validatedPolicy(inForce))), policyVersion: inForce.version };
    },
  );
}
