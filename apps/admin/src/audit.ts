import { randomUUID } from 'node:crypto';
import type { JournalEntry } from '@smsgw/contracts';
import { xaddEntry, type Redis } from '@smsgw/redis';
import type { Principal } from './auth';

/** One change made through the admin API. */
export interface AuditChange {
  /** What was done, `<object>.<verb>`: `dead_letter.replay`. */
  action: string;
  /** What it was done to: `dead:<entry id>`. */
  target: string;
  before?: unknown;
  after?: unknown;
}

export type AuditLog = (who: Principal, change: AuditChange) => Promise<void>;

/**
 * Appends an `audit` record to the journal stream; the exporter writes it to the mcp bucket
 * under `audit/…`. Its eid is a fresh UUID: every change is its own record, never taken for a
 * repeat of another one.
 */
export function createAuditLog(redis: Redis, journalStream: string, now: () => number): AuditLog {
  return async (who, change) => {
    const entry: JournalEntry = { eid: `audit:${randomUUID()}`, ts: now(), ev: 'audit', app: 'admin', who: who.name, role: who.role, ...change };
    await xaddEntry(redis, journalStream, entry);
  };
}
