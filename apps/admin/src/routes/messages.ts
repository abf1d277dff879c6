import { z } from 'zod';
import { MESSAGE_STATES } from '@smsgw/contracts';
import { normaliseAddress } from '@smsgw/domain';
import { createClientBacklog, createMessageCanceller, createSmscForwarder } from '@smsgw/redis';
import { findBySmscId } from '@smsgw/store';
import type { AdminApp, RouteDeps } from '../admin-server';
import { AdminError, errorBodySchema } from '../errors';

const state = z.enum(MESSAGE_STATES);

/** The state store's MessageRecord (libs/store state-store.ts) as the API shows it. */
export const messageRecordSchema = z.object({
  id: z.string(),
  cid: z.string().optional(),
  sys: z.string(),
  src: z.string(),
  dst: z.string(),
  rd: z.number().int(),
  state,
  pool: z.string().optional(),
  smsc: z.string().optional(),
  parts: z.number().int(),
  segments: z.number().int(),
  partStates: z.array(state.nullable()),
  smscIds: z.array(z.string().nullable()),
  err: z.number().int().optional(),
  /** ms since epoch of each state the message went through. */
  times: z.record(z.string(), z.number()),
  createdAt: z.number(),
  updatedAt: z.number(),
});

/** ms since epoch, or an ISO 8601 time (`2026-12-01T10:00:00Z`). */
const timeParam = z
  .string()
  .transform((v, ctx) => {
    const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'ms since epoch or an ISO 8601 time' });
      return z.NEVER;
    }
    return ms;
  });

/** The default window of a search: the last day. */
const DEFAULT_WINDOW_MS = 24 * 3600_000;
export const MAX_SEARCH_RESULTS = 500;

const correlationSchema = z.object({ id: z.string(), part: z.number().int(), parts: z.number().int() });

export function registerMessageRoutes(app: AdminApp, deps: RouteDeps): void {
  const { store, config } = deps;
  // A submitted message's cancel goes to its SMSC through a sender that has it bound, as a
  // client's cancel_sm does (libs/redis smsc-forward.ts); the answer within 5 s.
  const forwarder = createSmscForwarder({ redis: deps.redis, prefix: config.redis.prefix, logger: deps.logger });
  app.addHook('onClose', async () => forwarder.close());
  const canceller = createMessageCanceller({
    redis: deps.redis, names: deps.names, store, backlog: createClientBacklog(deps.redis, config.redis.prefix),
    forward: (rec, serviceType) => forwarder.cancel(rec, serviceType), logger: deps.logger, now: deps.now,
  });

  app.post(
    '/v1/messages/:id/cancel',
    {
      config: { access: 'operator' },
      schema: {
        summary: 'Cancel a message: never sent if it was not handed to an SMSC yet, else cancelled by its SMSC; it ends DELETED with its receipt',
        description:
          'As a client\'s cancel_sm. A message still queued before the policy-worker has no record yet: give its `client`. A finished message, or one its SMSC would not cancel, is 409 with the reason (and the SMSC\'s status).',
        tags: ['messages'],
        params: z.object({ id: z.string().min(1).max(128) }),
        body: z.object({ client: z.string().min(1).max(64).optional() }).nullish(),
        response: {
          200: z.object({ id: z.string(), client: z.string(), cancelledBy: z.enum(['gateway', 'smsc']) }),
          404: errorBodySchema,
          409: errorBodySchema.extend({ smscStatus: z.number().int().optional() }),
        },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const rec = await store.get(id);
      const client = req.body?.client;
      if (rec && client !== undefined && rec.sys !== client) throw new AdminError('not_found', `message ${id} is not ${client}'s`);
      const sys = rec?.sys ?? client;
      if (sys === undefined) throw new AdminError('not_found', `no message ${id} (one still queued before the policy-worker has no record yet: give its client)`);
      const before = rec ? { state: rec.state } : { state: 'queued' };
      const out = await canceller.cancel(sys, id, { known: rec });
      if (!out.ok) {
        if (!rec && client !== undefined) throw new AdminError('not_found', `no message ${id} of ${client} is queued or known`);
        return reply.code(409).send({ error: 'conflict', message: out.reason, ...(out.status !== undefined ? { smscStatus: out.status } : {}) });
      }
      const who = req.principal!;
      await deps.audit(who, { action: 'message.cancel', target: `message:${id}`, before, after: { state: 'DELETED', by: out.by, client: sys } });
      req.log.info({ who: who.name, msgId: id, systemId: sys, by: out.by }, 'message cancelled');
      return { id, client: sys, cancelledBy: out.by };
    },
  );

  app.get(
    '/v1/messages',
    {
      config: { access: 'viewer' },
      schema: {
        summary: "A client's messages to a destination in a time window (by creation time), newest first",
        description:
          'The destination is normalised as the client\'s own submits are (its defaultCountryCode and trunkPrefix), so `+44 7700 900123` and `447700900123` find the same messages. `from`/`to`: ms since epoch or ISO 8601; default the last 24 hours.',
        tags: ['messages'],
        querystring: z.object({
          client: z.string().min(1).max(64),
          destination: z.string().min(1).max(32),
          from: timeParam.optional(),
          to: timeParam.optional(),
          limit: z.coerce.number().int().min(1).max(MAX_SEARCH_RESULTS).default(50),
        }),
        response: { 200: z.object({ destination: z.string(), from: z.number(), to: z.number(), messages: z.array(messageRecordSchema) }), 400: errorBodySchema },
      },
    },
    async (req) => {
      const { client, limit } = req.query;
      const to = req.query.to ?? deps.now();
      const from = req.query.from ?? to - DEFAULT_WINDOW_MS;
      if (from > to) throw new AdminError('invalid_request', 'querystring.from: after `to`');
      // Its addressing options (run-time clients' too) normalise the destination as its submits were.
      const addressing = (await deps.clients()).find((c) => c.systemId === client);
      const norm = normaliseAddress(0, req.query.destination, 'destination', addressing ?? {});
      if (!norm.ok) throw new AdminError('invalid_request', `querystring.destination: ${norm.reason}`);
      const messages = await store.search({ sys: client, dst: norm.norm, from, to, limit });
      return { destination: norm.norm, from, to, messages };
    },
  );

  app.get(
    '/v1/messages/:id',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'The state-store record of a message (its UUID)',
        tags: ['messages'],
        params: z.object({ id: z.string().min(1).max(128) }),
        response: { 200: messageRecordSchema, 404: errorBodySchema },
      },
    },
    async (req) => {
      const rec = await store.get(req.params.id);
      if (!rec) throw new AdminError('not_found', `no message ${req.params.id}`);
      return rec;
    },
  );

  app.get(
    '/v1/messages/by-smsc/:smsc/:smscMsgId',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'The message an SMSC message id belongs to (as in a receipt or an operator report)',
        tags: ['messages'],
        params: z.object({ smsc: z.string().min(1).max(64), smscMsgId: z.string().min(1).max(128) }),
        response: { 200: z.object({ correlation: correlationSchema, message: messageRecordSchema }), 404: errorBodySchema },
      },
    },
    async (req) => {
      const { smsc, smscMsgId } = req.params;
      // The id as an operator pastes it may be in the SMSC's submit or receipt format
      // (smscs[].ids: a receipt in hex for a submit_sm_resp in decimal): each is tried.
      const correlation = await findBySmscId(store, smsc, smscMsgId, config.smscs.find((s) => s.id === smsc)?.ids);
      if (correlation) {
        const message = await store.get(correlation.id);
        if (!message) throw new AdminError('not_found', `SMSC id ${smscMsgId} at ${smsc} is message ${correlation.id}, whose record is gone (expired)`);
        return { correlation, message };
      }
      throw new AdminError('not_found', `no message has SMSC id ${smscMsgId} at ${smsc}`);
    },
  );
}
