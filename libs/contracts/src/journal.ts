import { z } from 'zod';

/** Lifecycle events recorded in the `journal` stream and exported to S3. */
export const JOURNAL_EVENTS = [
  'accepted',
  'routed',
  'rejected',
  'submitted',
  'submit_failed',
  'retried',
  'receipt',
  'final',
  'delivered_to_client',
  'receipt_orphaned',
  'dead_lettered',
] as const;
export type JournalEvent = (typeof JOURNAL_EVENTS)[number];

/**
 * Journal record, schema version 1. `eid` is deterministic (UUID + event + part + attempt) so a
 * repeated event can be recognised; `bucket` says which S3 bucket it belongs to (`mcp` for
 * policy decisions, `proxy` for everything else). No message text, never a password.
 */
export const journalRecordSchema = z.object({
  v: z.literal(1),
  eid: z.string(),
  ts: z.number(), // event time, ms since epoch
  ev: z.enum(JOURNAL_EVENTS),
  bucket: z.enum(['proxy', 'mcp']),
  app: z.string(),
  id: z.string().optional(), // message UUID
  sys: z.string().optional(),
  src: z.string().optional(), // normalised
  dst: z.string().optional(), // normalised
  pool: z.string().optional(),
  smsc: z.string().optional(),
  seg: z.number().int().optional(),
  part: z.number().int().optional(),
  dc: z.number().int().optional(),
  smscMsgId: z.string().optional(),
  state: z.string().optional(),
  err: z.number().int().optional(),
  stage: z.string().optional(),
  reason: z.string().optional(),
  latencyMs: z.number().optional(),
});
export type JournalRecord = z.infer<typeof journalRecordSchema>;

export function journalEventId(id: string, ev: JournalEvent, part = 0, attempt = 0): string {
  return `${id}:${ev}:${part}:${attempt}`;
}
