import { z } from 'zod';
import { MESSAGE_STATES } from '@smsgw/contracts';
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

const correlationSchema = z.object({ id: z.string(), part: z.number().int(), parts: z.number().int() });

export function registerMessageRoutes(app: AdminApp, deps: RouteDeps): void {
  const { store, config } = deps;

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
