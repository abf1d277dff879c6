import { masters, type Redis } from './redis-client';

/**
 * Deletes every key that starts with `prefix` (SCAN, never KEYS or FLUSH*): how tests and
 * benches clean up their own key space on a shared Redis. On a cluster every master is
 * scanned (a SCAN sent to the cluster client sees one node's keys only).
 */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  // Escape glob characters so a prefix like `a*` cannot widen the match to other keys.
  const pattern = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
  for (const node of await masters(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      // UNLINK one key per call, through the cluster client: keys with different hash tags live
      // on different slots, and a slot may move while we scan.
      if (keys.length > 0) await Promise.all(keys.map((k) => redis.unlink(k)));
    } while (cursor !== '0');
  }
}
