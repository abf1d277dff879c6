import type { ClientReceipt } from '@smsgw/contracts';
import type { Redis } from '@smsgw/redis';

export interface PendingAggregate {
  id: string;
  src: ClientReceipt['src'];
  dst: ClientReceipt['dst'];
}

/**
 * Multipart messages waiting for their other parts' receipts, with the time their aggregated
 * receipt is due anyway (per-client aggregateTimeoutMs). A sorted set by deadline plus a hash of
 * the receipt addresses; any dlr-worker instance may sweep them (finishing is idempotent).
 */
export function createAggregateTracker(redis: Redis, prefix: string) {
  const due = `${prefix}:dlr-agg:due`;
  const addr = `${prefix}:dlr-agg:addr`;
  return {
    /** Records the deadline once (the first part's receipt sets it). */
    async pending(p: PendingAggregate, deadline: number): Promise<void> {
      await Promise.all([redis.zadd(due, 'NX', deadline, p.id), redis.hsetnx(addr, p.id, JSON.stringify({ src: p.src, dst: p.dst }))]);
    },
    async done(id: string): Promise<void> {
      await Promise.all([redis.zrem(due, id), redis.hdel(addr, id)]);
    },
    async due(now: number, limit = 100): Promise<PendingAggregate[]> {
      const ids = await redis.zrangebyscore(due, '-inf', now, 'LIMIT', 0, limit);
      if (!ids.length) return [];
      const addrs = await redis.hmget(addr, ...ids);
      return ids.flatMap((id, i) => {
        const a = addrs[i];
        return a ? [{ id, ...(JSON.parse(a) as Omit<PendingAggregate, 'id'>) }] : [];
      });
    },
  };
}

export type AggregateTracker = ReturnType<typeof createAggregateTracker>;
