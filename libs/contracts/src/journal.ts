import { z } from 'zod';

/** Lifecycle events recorded in the `journal` stream and exported to S3. */
export const JOURNAL_EVENTS = [
  'accepted',
  'routed',
  'rejected',
  'deferred',
  'scheduled',
  'submitted',
  'submit_failed',
  'retried',
  'receipt',
  'final',
  'delivered_to_client',
  'receipt_orphaned',
  'receipt_expired',
  'mo_received',
  'mo_unroutable',
  'dead_lettered',
  'log',
  'audit',
  'replaced',
  'metrics',
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
  cid: z.string().optional(), // on `accepted` of a submit_multi destination: the message_id the client got for all of them
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
  /** The message text, only on `accepted` and only for clients with `journalText: true`. */
  text: z.string().optional(),
  /** Operational records (`ev: log`): pino level (40 warn, 50 error, 60 fatal) and message. */
  level: z.number().int().optional(),
  msg: z.string().optional(),
  /**
   * Changes made through the admin API (`ev: audit`): who made it (the token's name) with which
   * role, the action (`dead_letter.replay`), its target, and the state before and after where
   * that means something. The eid is the producer's own (`audit:<uuid>`): one change, one record.
   */
  who: z.string().optional(),
  role: z.string().optional(),
  action: z.string().optional(),
  target: z.string().optional(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  /**
   * A snapshot of one app process's metrics (`ev: metrics`): the instance it came from and each
   * metric as prom-client describes it (name, type, help, values with their labels).
   */
  instance: z.string().optional(),
  metrics: z.array(z.unknown()).optional(),
});
export type JournalRecord = z.infer<typeof journalRecordSchema>;

export function journalEventId(id: string, ev: JournalEvent, part = 0, attempt = 0): string {
  return `${id}:${ev}:${part}:${attempt}`;
}

/**
 * A journal event as the stages write it to the `journal` stream: the record without the fields
 * the exporter derives (v, eid, bucket, app), so every message costs fewer bytes on its way.
 * A producer may still set them (eid for events without a message id, app where the event
 * alone does not say which stage wrote it).
 */
export type JournalEntry = Omit<JournalRecord, 'v' | 'eid' | 'bucket' | 'app'> & Partial<Pick<JournalRecord, 'eid' | 'bucket' | 'app'>>;

const EVENT_APP: Record<JournalEvent, string> = {
  accepted: 'policy-worker',
  routed: 'policy-worker',
  rejected: 'policy-worker',
  deferred: 'policy-worker',
  scheduled: 'policy-worker',
  submitted: 'sender',
  submit_failed: 'sender',
  retried: 'sender',
  receipt: 'dlr-worker',
  final: 'dlr-worker',
  receipt_orphaned: 'dlr-worker',
  receipt_expired: 'dlr-worker',
  mo_received: 'dlr-worker',
  mo_unroutable: 'dlr-worker',
  log: 'unknown',
  delivered_to_client: 'ingress',
  dead_lettered: 'unknown',
  audit: 'admin',
  replaced: 'ingress',
  metrics: 'unknown',
};

/**
 * Policy decisions go to the `mcp` bucket, everything else to `proxy`; operational records of
 * the policy-worker (the MCP's logs) go to `mcp` too, and so do audit records: like decisions,
 * they explain why the gateway behaves as it does (an operator changed something).
 */
export function journalBucket(ev: JournalEvent, app?: string): 'proxy' | 'mcp' {
  if (ev === 'log') return app === 'policy-worker' ? 'mcp' : 'proxy';
  return ev === 'routed' || ev === 'rejected' || ev === 'deferred' || ev === 'audit' ? 'mcp' : 'proxy';
}

export type JournalKind = 'events' | 'logs' | 'audit' | 'metrics';

/**
 * Object kind (first key segment): lifecycle events, operational records, audit records or
 * metrics snapshots (their own objects, so an audit trail is read without scanning message
 * events, and statistics never count them).
 */
export function journalKind(ev: JournalEvent): JournalKind {
  if (ev === 'log') return 'logs';
  if (ev === 'metrics') return 'metrics';
  return ev === 'audit' ? 'audit' : 'events';
}

/** The full v1 record of a journal entry (what lands in S3). */
export function expandJournalEntry(e: JournalEntry): JournalRecord {
  return {
    v: 1,
    eid: e.eid ?? journalEventId(e.id ?? '-', e.ev, e.part ?? 0),
    bucket: e.bucket ?? journalBucket(e.ev, e.app),
    app: e.app ?? EVENT_APP[e.ev],
    ...e,
  };
}
