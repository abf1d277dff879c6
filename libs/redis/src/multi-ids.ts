import type { Redis } from './redis-client';
import { BACKLOG_GRACE_MS } from './client-backlog';

/** One submit_multi's message ids, under the client's hash tag (its slot on Redis Cluster). */
export const multiIdsKey = (prefix: string, sys: string, cid: string) => `${prefix}:multi:{${sys}}:${cid}`;

/**
 * Per client, the ids of the messages a submit_multi (SMPP v3.4 §4.5) became, under the one
 * message_id (`cid`) the client got for all of them: query_sm and cancel_sm name the cid, and
 * no record in the state store is keyed by it. One key per cid, written with its expiry in the
 * same command: it lives as long as the messages may still be in flight (their expiry plus
 * BACKLOG_GRACE_MS, as the client backlog counts them), so nothing needs a sweep. The key is
 * the client's own: another client's cid is simply not found.
 */
export function createMultiIds(redis: Redis, prefix: string) {
  return {
    /** Remembers `ids` (in submit order) under `cid` until `expiresAt` (ms since epoch) plus the grace. */
    async record(sys: string, cid: string, ids: readonly string[], expiresAt: number): Promise<void> {
      await redis.set(multiIdsKey(prefix, sys, cid), JSON.stringify(ids), 'PXAT', expiresAt + BACKLOG_GRACE_MS);
    },
    /** The ids of this client's submit_multi `cid` in submit order; null when it is not one (or expired). */
    async idsOf(sys: string, cid: string): Promise<string[] | null> {
      const v = await redis.get(multiIdsKey(prefix, sys, cid));
      return v === null ? null : (JSON.parse(v) as string[]);
    },
  };
}

export type MultiIds = ReturnType<typeof createMultiIds>;
