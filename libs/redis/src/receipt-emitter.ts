import type { Redis } from './redis-client';
import { ENTRY_FIELD } from '@smsgw/contracts';

// KEYS[1] dedupe marker, KEYS[2] client receipt stream (same hash tag). ARGV: ttl s, payload.
// One script, so a redelivered dlr-in entry can never produce a second client receipt.
const EMIT = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[1])) then
  redis.call('XADD', KEYS[2], '*', '${ENTRY_FIELD}', ARGV[2])
  return 1
end
return 0`;

type WithEmit = Redis & { smsgwEmitReceipt(k1: string, k2: string, ttl: number, payload: string): Promise<number> };

/**
 * Writes a client receipt at most once per (message, final state): returns false when that
 * receipt was written before. No MAXLEN here: a trim would drop receipts silently; the
 * dlr-worker's receipt expiry bounds the stream and journals what it removes.
 */
export function createReceiptEmitter(redis: Redis, opts: { prefix: string; ttlSeconds?: number }) {
  const r = redis as WithEmit;
  if (!r.smsgwEmitReceipt) redis.defineCommand('smsgwEmitReceipt', { numberOfKeys: 2, lua: EMIT });
  const ttl = opts.ttlSeconds ?? 7 * 24 * 3600;
  return async (stream: string, sys: string, id: string, payload: unknown): Promise<boolean> => {
    const marker = `${opts.prefix}:rcpt:{${sys}}:${id}`;
    return (await r.smsgwEmitReceipt(marker, stream, ttl, JSON.stringify(payload))) === 1;
  };
}
