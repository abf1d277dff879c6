import type { Redis } from 'ioredis';

/**
 * Deletes every key that starts with `prefix` (SCAN, never KEYS or FLUSH*): how tests and
 * benches clean up their own key space on a shared Redis.
 */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  // Escape glob characters so a prefix like `a*` cannot widen the match to other keys.
  const pattern = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    // UNLINK one key per call: keys with different hash tags may live on different cluster slots.
    if (keys.length > 0) await Promise.all(keys.map((k) => redis.unlink(k)));
  } while (cursor !== '0');
}
