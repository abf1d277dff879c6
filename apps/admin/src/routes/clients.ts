import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import { clientSchema, type RouteConfig } from '@smsgw/platform';
import { auditedClient, createClientControl, InvalidClientError, publicClient, readClients, type ClientsSnapshot } from '@smsgw/redis';
import type { AdminApp, RouteDeps } from '../admin-server';
import { AdminError, errorBodySchema } from '../errors';
import { clientItems, clientItemSchema, routesProblem } from '../client-view';

const systemIdParams = z.object({ systemId: z.string().min(1).max(15) });

// The body is a client as in the YAML, without its systemId (the path's). Validated field by
// field here (400 naming the field); the password rule depends on whether the client exists.
const { systemId: _omitted, ...clientFields } = clientSchema.shape;
const clientBodySchema = z.strictObject(clientFields);

const ACTIONS = ['suspend', 'resume', 'disconnect'] as const;

/**
 * Clients (SMPP accounts) at run time: what each is doing (its binds on every ingress, submit
 * rate, backlogs), adding or changing one without a restart, suspend / resume / disconnect.
 * Every ingress, policy-worker and dlr-worker follows the registry within a second
 * (libs/redis client-registry.ts). Every change is audited with the client before and after,
 * its password hash replaced by a marker.
 */
export function registerClientRoutes(app: AdminApp, deps: RouteDeps): void {
  const prefix = deps.config.redis.prefix;
  const control = createClientControl(deps.redis, prefix);
  const snapshot = () => readClients(deps.redis, prefix, deps.config.clients);
  const known = (snap: ClientsSnapshot, sys: string) => {
    const e = snap.clients.get(sys);
    if (!e) throw new AdminError('not_found', `no client "${sys}"`);
    return e;
  };
  // The body as sent, before zod applied defaults and transforms: that is what is stored, so
  // the stored client reads like its YAML and later defaults still apply to it.
  const rawBodies = new WeakMap<FastifyRequest, unknown>();

  app.get(
    '/v1/clients',
    {
      config: { access: 'viewer' },
      schema: { summary: 'Every client (config and run-time): binds on every ingress, submit rate, backlog, receipt backlog, settings', tags: ['clients'], response: { 200: z.object({ clients: z.array(clientItemSchema) }) } },
    },
    async () => {
      const snap = await snapshot();
      return { clients: await clientItems(deps, snap, [...snap.clients.keys()].sort()) };
    },
  );

  app.get(
    '/v1/clients/:systemId',
    {
      config: { access: 'viewer' },
      schema: { summary: 'One client', tags: ['clients'], params: systemIdParams, response: { 200: clientItemSchema, 404: errorBodySchema } },
    },
    async (req) => {
      const snap = await snapshot();
      known(snap, req.params.systemId);
      return (await clientItems(deps, snap, [req.params.systemId]))[0]!;
    },
  );

  app.put(
    '/v1/clients/:systemId',
    {
      config: { access: 'admin' },
      preValidation: async (req) => void rawBodies.set(req, structuredClone(req.body)),
      schema: {
        summary: 'Add a client or replace its settings (as in the config file, without systemId); `password` (stored as its scrypt hash) or `passwordHash` is required for a new client, else the current one is kept. Overrides a config client of the same systemId.',
        tags: ['clients'],
        params: systemIdParams,
        body: clientBodySchema,
        response: { 200: z.object({ client: z.record(z.string(), z.unknown()), version: z.number().int() }), 400: errorBodySchema },
      },
    },
    async (req) => {
      const sys = req.params.systemId;
      const input: Record<string, unknown> & { systemId: string } = { ...(rawBodies.get(req) as Record<string, unknown>), systemId: sys };
      const problem = routesProblem(req.body.routes as RouteConfig[], deps.config);
      if (problem) throw new AdminError('invalid_request', `body.${problem.field}: ${problem.message}`);
      const snap = await snapshot();
      const before = snap.clients.get(sys);
      if (input.password === undefined && input.passwordHash === undefined) {
        if (!before) throw new AdminError('invalid_request', 'body.password: password or passwordHash is required for a new client');
        // The password in force stays: the run-time one's hash, or the config one (hashed when stored).
        if (before.stored?.passwordHash !== undefined) input.passwordHash = before.stored.passwordHash;
        else if (before.client.passwordHash !== undefined) input.passwordHash = before.client.passwordHash;
        else input.password = before.client.password;
      }
      let put: Awaited<ReturnType<typeof control.put>>;
      try {
        put = await control.put(input);
      } catch (err) {
        if (err instanceof InvalidClientError) throw new AdminError('invalid_request', `body.${err.message}`);
        throw err;
      }
      const after = clientSchema.parse(put.stored);
      const who = req.principal!;
      await deps.audit(who, { action: 'client.set', target: `client:${sys}`, before: before ? { source: before.source, ...auditedClient(before.client) } : null, after: { source: 'runtime', ...auditedClient(after) } });
      req.log.info({ who: who.name, systemId: sys, version: put.version, created: !before }, 'client set');
      return { client: publicClient(after) as Record<string, unknown>, version: put.version };
    },
  );

  app.delete(
    '/v1/clients/:systemId',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Remove a run-time client: its binds are unbound, unless a config client of the same systemId is in force again (restored: true)',
        tags: ['clients'],
        params: systemIdParams,
        response: { 200: z.object({ systemId: z.string(), restored: z.boolean(), version: z.number().int() }), 404: errorBodySchema },
      },
    },
    async (req) => {
      const sys = req.params.systemId;
      const snap = await snapshot();
      const before = snap.clients.get(sys);
      if (before?.source !== 'runtime') throw new AdminError('not_found', `no run-time client "${sys}"${before ? ' (it is in the config file)' : ''}`);
      const fileClient = deps.config.clients.find((c) => c.systemId === sys);
      const res = await control.remove(sys, { clearSuspension: !fileClient });
      if (!res.removed) throw new AdminError('not_found', `no run-time client "${sys}"`);
      const who = req.principal!;
      await deps.audit(who, { action: 'client.remove', target: `client:${sys}`, before: { source: 'runtime', ...auditedClient(before.client) }, after: fileClient ? { source: 'config', ...auditedClient(fileClient) } : null });
      req.log.info({ who: who.name, systemId: sys, version: res.version }, 'client removed');
      return { systemId: sys, restored: !!fileClient, version: res.version };
    },
  );

  app.post(
    '/v1/clients/:systemId/:action',
    {
      config: { access: 'operator' },
      schema: {
        summary: 'suspend (unbind its sessions and refuse its binds until resume), resume, or disconnect (unbind its sessions now, once) — on every ingress within a second',
        tags: ['clients'],
        params: z.object({ systemId: z.string().min(1).max(15), action: z.enum(ACTIONS) }),
        response: { 200: z.object({ systemId: z.string(), action: z.enum(ACTIONS), suspended: z.boolean(), version: z.number().int() }), 404: errorBodySchema },
      },
    },
    async (req) => {
      const { systemId: sys, action } = req.params;
      const snap = await snapshot();
      known(snap, sys);
      const who = req.principal!;
      const wasSuspended = snap.suspended.get(sys) ?? null;
      const at = deps.now();
      const version =
        action === 'suspend' ? await control.suspend(sys, who.name, at) : action === 'resume' ? await control.resume(sys) : await control.disconnect(sys);
      const suspended = action === 'suspend' || (action === 'disconnect' && wasSuspended !== null);
      const after = action === 'disconnect' ? { suspended, disconnectedAt: at } : { suspended, ...(suspended ? { by: who.name, at } : {}) };
      await deps.audit(who, { action: `client.${action}`, target: `client:${sys}`, before: { suspended: wasSuspended !== null, ...(wasSuspended ?? {}) }, after });
      req.log.info({ who: who.name, systemId: sys, action, version }, 'client action');
      return { systemId: sys, action, suspended, version };
    },
  );
}
