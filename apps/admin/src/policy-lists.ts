import { normaliseListEntry } from '@smsgw/domain';
import { type Redis } from '@smsgw/redis';
import { GLOBAL_LISTS, NUMBER_LISTS, type ListName, type PolicyKeys } from '@smsgw/mcp';
import { AdminError } from './errors';

/** SADD / SREM in chunks: a list of millions does not become one huge command. */
const CHUNK = 10_000;

const NUMBER_ENTRY = /^(\d{1,20}\*?|\*)$/;
const SENDER_ENTRY = /^([A-Z0-9 ._+&-]{1,20}\*?|\*)$/;

/** An entry as the MCP compares it (normalised), or null when it cannot be one of `list`'s. */
export function validEntry(list: ListName, raw: string): string | null {
  const e = normaliseListEntry(raw);
  return (NUMBER_LISTS.has(list) ? NUMBER_ENTRY : SENDER_ENTRY).test(e) ? e : null;
}

/** First column of each CSV line; a header line or an invalid cell is counted, not added. */
export function parseCsvEntries(list: ListName, text: string): { entries: string[]; invalid: number } {
  const entries: string[] = [];
  let invalid = 0;
  for (const line of text.split(/\r?\n/)) {
    const cell = line.split(/[,;\t]/)[0]!.trim().replace(/^"(.*)"$/, '$1');
    if (!cell) continue;
    const e = validEntry(list, cell);
    if (e) entries.push(e);
    else invalid++;
  }
  return { entries, invalid };
}

/**
 * The MCP's lists (sets in Redis, policy-keys.ts in libs/mcp): every policy-worker reads them
 * with its next batch, so a change holds everywhere at once, without a restart.
 */
export function createPolicyLists(redis: Redis, keys: PolicyKeys) {
  const keyOf = (list: ListName, client: string | undefined) => {
    if (client === undefined && !GLOBAL_LISTS.has(list)) throw new AdminError('invalid_request', `list ${list} is per client: give client`);
    return keys.list(list, client);
  };
  return {
    async page(list: ListName, client: string | undefined, cursor: string, count: number) {
      const key = keyOf(list, client);
      const [next, entries] = await redis.sscan(key, cursor, 'COUNT', count);
      return { cursor: next, entries, size: await redis.scard(key) };
    },
    async add(list: ListName, client: string | undefined, entries: readonly string[]): Promise<number> {
      const key = keyOf(list, client);
      let added = 0;
      for (let i = 0; i < entries.length; i += CHUNK) added += await redis.sadd(key, ...entries.slice(i, i + CHUNK));
      return added;
    },
    async remove(list: ListName, client: string | undefined, entries: readonly string[]): Promise<number> {
      const key = keyOf(list, client);
      let removed = 0;
      for (let i = 0; i < entries.length; i += CHUNK) removed += await redis.srem(key, ...entries.slice(i, i + CHUNK));
      return removed;
    },
  };
}
