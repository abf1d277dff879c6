import { GROUPS, type ClientReceipt, type JournalEntry, type StreamNames } from '@smsgw/contracts';
import type { AppMetrics, Logger } from '@smsgw/platform';
import { decodeFields, xaddEntry, type Redis } from '@smsgw/redis';

export interface ReceiptExpiryDeps {
  redis: Redis;
  names: StreamNames;
  metrics: AppMetrics;
  logger: Logger;
  maxLen: number;
  maxAgeMs: number;
  now?: () => number;
}

/**
 * Bounds each client's receipt stream by age and size (ARCHITECTURE.md: a client's receipt
 * stream is bounded; what ages out is counted and journaled, never silently dropped; one offline
 * client never stalls anyone else). Receipts older than maxAgeMs, then the oldest beyond maxLen,
 * are journaled as `receipt_expired`, acknowledged in the ingress group and deleted.
 */
export function createReceiptExpiry(deps: ReceiptExpiryDeps) {
  const now = deps.now ?? Date.now;
  const { redis, names } = deps;

  const expire = async (sys: string, stream: string, entries: [string, string[]][], why: string): Promise<number> => {
    if (!entries.length) return 0;
    const ids = entries.map(([id]) => id);
    const journal: JournalEntry[] = entries.map(([, fields]) => {
      const r = decodeFields(fields).data as Partial<ClientReceipt> | undefined;
      return { ts: now(), ev: 'receipt_expired', id: r?.id, sys, state: r?.state, reason: why };
    });
    // Journal first: if anything below fails, the receipts are still there and expire next time.
    await xaddEntry(redis, names.journal, journal);
    await redis.xack(stream, GROUPS.ingress, ...ids).catch(() => 0); // no group yet: nothing pending
    await redis.xdel(stream, ...ids);
    deps.metrics.messages.inc({ stage: 'client_receipt', outcome: 'expired' }, ids.length);
    deps.logger.warn({ systemId: sys, count: ids.length, reason: why }, 'client receipts expired undelivered');
    return ids.length;
  };

  /** One pass over the given clients; returns how many receipts were expired. */
  return async (clients: readonly string[]): Promise<number> => {
    let total = 0;
    for (const sys of clients) {
      const stream = names.dlr(sys);
      // Stream ids start with their ms timestamp: everything before the cut is older than maxAgeMs.
      const cut = Math.max(0, now() - deps.maxAgeMs);
      for (;;) {
        const old = (await redis.xrange(stream, '-', `${cut}`, 'COUNT', 1000)) as [string, string[]][];
        total += await expire(sys, stream, old, `older than ${deps.maxAgeMs} ms`);
        if (old.length < 1000) break;
      }
      const excess = (await redis.xlen(stream)) - deps.maxLen;
      if (excess > 0) {
        const oldest = (await redis.xrange(stream, '-', '+', 'COUNT', Math.min(excess, 10_000))) as [string, string[]][];
        total += await expire(sys, stream, oldest, `over ${deps.maxLen} receipts`);
      }
    }
    return total;
  };
}
