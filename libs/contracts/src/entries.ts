import { z } from 'zod';
import { MESSAGE_STATES } from './states';

/** An SMPP address as received plus its normalised form (E.164 digits or alphanumeric). */
export const addressSchema = z.object({
  ton: z.number().int(),
  npi: z.number().int(),
  addr: z.string(),
  norm: z.string(),
});
export type Address = z.infer<typeof addressSchema>;

/** Entry of the `in` stream, written by ingress before submit_sm_resp ROK. */
export const inEntrySchema = z.object({
  v: z.literal(1),
  id: z.string(), // message UUID, the message_id the client saw (submit_sm, data_sm)
  // submit_multi (SMPP v3.4 §4.5): the one message_id the client got for all its destinations;
  // each destination is its own message with its own `id`, and its receipt carries `cid`.
  cid: z.string().optional(),
  sys: z.string(), // client system_id
  src: addressSchema,
  dst: addressSchema,
  dc: z.number().int(), // data_coding as submitted
  esm: z.number().int(), // esm_class as submitted (0x40 = UDH in sm)
  rd: z.number().int(), // registered_delivery
  pid: z.number().int(),
  pri: z.number().int(),
  sm: z.string(), // base64 of short_message, or of message_payload when that carried the text
  vp: z.string().optional(), // validity_period as submitted (SMPP time format)
  // When the message expires, ms since epoch: the client's validity_period capped by the
  // maximum age (delivery.maxAgeMs / clients[].maxAgeMs) counted from acceptance or schedule.
  exp: z.number().optional(),
  due: z.number().optional(), // schedule_delivery_time, ms since epoch: not sent before
  // One part of a message the client concatenated itself with SAR TLVs (SMPP v3.4 §5.3.2.22-24).
  sar: z.object({ ref: z.number().int(), total: z.number().int(), seq: z.number().int() }).optional(),
  svc: z.string().optional(), // service_type, when the client gave one (mass cancel_sm, replace_if_present_flag)
  // The replacement (replace_sm, replace_if_present_flag) this copy carries: a stage that meets
  // a copy older than the message's latest replacement applies it first (replacement.ts).
  rv: z.number().int().optional(),
  at: z.number(), // accepted, ms since epoch
  // W3C traceparent of the stage span that wrote this entry, only on a traced (sampled) message
  // (tracing.enabled): the next stage's span continues the trace from it.
  tp: z.string().optional(),
});
export type InEntry = z.infer<typeof inEntrySchema>;

/** Entry of `out:<pool>`: the message as accepted plus the routing decision. */
export const outEntrySchema = inEntrySchema.extend({
  pool: z.string(),
  smscs: z.array(z.string()).min(1),
  weights: z.array(z.number()).optional(), // each primary's share, when they differ
  backup: z.array(z.string()).optional(), // used only while no primary is bound
  rt: z.number(), // routed, ms since epoch
});
export type OutEntry = z.infer<typeof outEntrySchema>;

/**
 * Entry of `out:<pool>` holding the parts of one message the client concatenated itself (UDH or
 * SAR), complete or as far as they came in time, in part order: the sender submits them in this
 * order on one session. Each part keeps its own UUID (the client got one per submit_sm).
 */
export const outGroupSchema = z.object({
  k: z.literal('group'),
  pool: z.string(),
  parts: z.array(outEntrySchema).min(1),
});
export type OutGroup = z.infer<typeof outGroupSchema>;

/** Entries of `dlr-in`: what the dlr-worker turns into state changes and client receipts. */
export const dlrInReceiptSchema = z.object({
  k: z.literal('receipt'),
  smsc: z.string(),
  src: addressSchema.pick({ ton: true, npi: true, addr: true }),
  dst: addressSchema.pick({ ton: true, npi: true, addr: true }),
  esm: z.number().int(),
  dc: z.number().int(),
  sm: z.string(), // base64 short_message (or message_payload) of the deliver_sm
  rmid: z.string().optional(), // receipted_message_id TLV
  mst: z.number().int().optional(), // message_state TLV
  nec: z.string().optional(), // network_error_code TLV, hex
  at: z.number(),
  first: z.number().optional(), // first time the dlr-worker saw it (set on retry re-queue)
});
export const dlrInFailureSchema = z.object({
  k: z.literal('fail'),
  id: z.string(),
  sys: z.string(),
  // The original submit's addresses, for the client receipt.
  src: addressSchema.pick({ ton: true, npi: true, addr: true }),
  dst: addressSchema.pick({ ton: true, npi: true, addr: true }),
  state: z.enum(['FAILED', 'UNDELIVERABLE', 'POLICY_REJECTED', 'EXPIRED', 'DELETED', 'UNKNOWN']), // DELETED: cancel_sm (§4.9)
  err: z.number().int(), // SMPP status or our reason code
  reason: z.string(),
  // registered_delivery of the copy that ended, when the stage has it: a replacement
  // (replace_sm) may have changed it after the record was written.
  rd: z.number().int().optional(),
  at: z.number(),
  tp: z.string().optional(), // traceparent of the stage that ended it, on a traced message
});
export const dlrInMoSchema = z.object({
  k: z.literal('mo'),
  smsc: z.string(),
  src: addressSchema.pick({ ton: true, npi: true, addr: true }),
  dst: addressSchema.pick({ ton: true, npi: true, addr: true }),
  dc: z.number().int(),
  sm: z.string(),
  at: z.number(),
});
/**
 * Several SMSC receipts in one `dlr-in` entry: the deliver_sms a sender took in one turn of its
 * event loop (a lone one is written as its own `receipt` entry). The dlr-worker handles each as if
 * it were its own entry; MOs and failures are never grouped.
 */
export const dlrInReceiptsSchema = z.object({
  k: z.literal('receipts'),
  items: z.array(z.unknown()).min(1), // each a DlrInReceipt, checked one by one (a bad one does not sink the rest)
});
export const dlrInEntrySchema = z.discriminatedUnion('k', [dlrInReceiptSchema, dlrInFailureSchema, dlrInMoSchema, dlrInReceiptsSchema]);
export type DlrInEntry = z.infer<typeof dlrInEntrySchema>;
export type DlrInReceipts = z.infer<typeof dlrInReceiptsSchema>;

/** What a `dlr-in` entry's data holds, one by one: a `receipts` entry's items, else the entry itself. */
export function dlrInItems(data: unknown): unknown[] {
  const d = data as { k?: unknown; items?: unknown } | null | undefined;
  return d && d.k === 'receipts' && Array.isArray(d.items) ? d.items : [data];
}
export type DlrInReceipt = z.infer<typeof dlrInReceiptSchema>;
export type DlrInFailure = z.infer<typeof dlrInFailureSchema>;
export type DlrInMo = z.infer<typeof dlrInMoSchema>;

/** Entry of `dlr:<system_id>`: a receipt ready for the client, sent by ingress as deliver_sm. */
export const clientReceiptSchema = z.object({
  v: z.literal(1),
  id: z.string(), // our UUID of the message (journal, dedupe)
  // The message_id the client was given, when it is not `id` (a submit_multi destination): the
  // receipt shows this one in `id:` and receipted_message_id.
  cid: z.string().optional(),
  src: addressSchema.pick({ ton: true, npi: true, addr: true }), // the original submit's source
  dst: addressSchema.pick({ ton: true, npi: true, addr: true }), // the original submit's destination
  state: z.enum(MESSAGE_STATES),
  stat: z.string(), // receipt stat word, e.g. DELIVRD
  err: z.string(), // 3-character err field
  sub: z.number().int(),
  dlvrd: z.number().int(),
  sd: z.number(), // submit date, ms
  dd: z.number(), // done date, ms
  at: z.number(),
  tp: z.string().optional(), // traceparent of the dlr-worker's span, on a traced message
});
export type ClientReceipt = z.infer<typeof clientReceiptSchema>;

/** Entry of `dlr:<system_id>` carrying a mobile-originated message routed to the client. */
export const clientMoSchema = z.object({
  v: z.literal(1),
  k: z.literal('mo'),
  id: z.string(), // our id for the MO (journal key)
  src: addressSchema.pick({ ton: true, npi: true, addr: true }),
  dst: addressSchema.pick({ ton: true, npi: true, addr: true }),
  dc: z.number().int(),
  sm: z.string(), // base64 of the text as the SMSC sent it
  at: z.number(),
});
export type ClientMo = z.infer<typeof clientMoSchema>;
