import { decodeFields, xaddEntry, type Redis } from '@smsgw/redis';
import type { Principal } from './auth';
import { AdminError } from './errors';

/**
 * An entry of the dead-letter stream. The consumer loop (libs/redis stream-consumer.ts) writes
 * `{ stream, id, deliveries, data }`: the stream and id of the entry that failed too often, how
 * many times it was delivered, and its decoded value (absent when it was not valid JSON).
 */
export interface DeadLetter {
  entryId: string;
  stream: string | null;
  id: string | null;
  deliveries: number | null;
  data?: unknown;
  /** Whether it can be put back: its value is known and its stream is one of this gateway's. */
  replayable: boolean;
}

export interface ReplayResult {
  before: { stream: string; id: string | null; deliveries: number | null };
  after: { stream: string; id: string };
}

export interface DeadLettersDeps {
  redis: Redis;
  deadStream: string;
  /**
   * The streams an entry may be put back on now (the configuration's, with the `dlr:{client}`
   * of each client added at run time; never `dead` itself): asked once per request.
   */
  replayTargets: () => Promise<ReadonlySet<string>>;
  now: () => number;
  /** How long a replay is remembered, so that a second one is refused (409) rather than unknown (404). */
  markerTtlSeconds?: number;
}

export function createDeadLetters(deps: DeadLettersDeps) {
  const { redis, deadStream, replayTargets } = deps;
  const ttl = deps.markerTtlSeconds ?? 30 * 24 * 3600;
  const marker = (entryId: string) => `${deadStream}:replayed:${entryId}`;

  const toDeadLetter = (entryId: string, fields: string[], replayTargets: ReadonlySet<string>): DeadLetter => {
    const v = decodeFields(fields).data as Partial<{ stream: unknown; id: unknown; deliveries: unknown; data: unknown }> | undefined;
    const stream = typeof v?.stream === 'string' ? v.stream : null;
    const known = v !== undefined && 'data' in v && v.data !== undefined;
    return {
      entryId,
      stream,
      id: typeof v?.id === 'string' ? v.id : null,
      deliveries: typeof v?.deliveries === 'number' ? v.deliveries : null,
      ...(known ? { data: v.data } : {}),
      replayable: known && stream !== null && replayTargets.has(stream),
    };
  };

  return {
    /** Up to `count` dead letters after `after` (exclusive), oldest first. */
    async list(count: number, after?: string): Promise<DeadLetter[]> {
      const rows = (await redis.xrange(deadStream, after ? `(${after}` : '-', '+', 'COUNT', count)) as [string, string[]][];
      const targets = await replayTargets();
      return rows.map(([entryId, fields]) => toDeadLetter(entryId, fields, targets));
    },

    /**
     * Puts a dead letter's value back on its stream as a new entry (its consumer group reads it
     * like any other) and removes it from the dead stream. A marker claimed first with SET NX
     * makes it happen once: a second replay, concurrent or later, is a conflict. The marker and
     * the two streams are different keys (slots on a cluster), so this is not one atomic step:
     * if the XADD fails the marker is released for a retry; a crash between the marker and the
     * XADD leaves the entry in `dead`, refused as replayed until the marker expires.
     */
    async replay(entryId: string, by: Principal): Promise<ReplayResult> {
      const rows = (await redis.xrange(deadStream, entryId, entryId)) as [string, string[]][];
      const row = rows[0];
      if (!row) {
        const done = await redis.get(marker(entryId));
        if (done) {
          const m = JSON.parse(done) as { by?: string; at?: number };
          throw new AdminError('conflict', `dead letter ${entryId} was replayed already (by ${m.by ?? '?'} at ${new Date(m.at ?? 0).toISOString()})`);
        }
        throw new AdminError('not_found', `no dead letter ${entryId}`);
      }
      const dl = toDeadLetter(row[0], row[1], await replayTargets());
      if (!dl.replayable || dl.stream === null) {
        const why = dl.stream === null || !('data' in dl) ? 'its original entry is not readable' : `${dl.stream} is not a stream of this gateway's configuration`;
        throw new AdminError('conflict', `dead letter ${entryId} cannot be replayed: ${why}`);
      }
      const claimed = await redis.set(marker(entryId), JSON.stringify({ by: by.name, at: deps.now() }), 'EX', ttl, 'NX');
      if (claimed !== 'OK') throw new AdminError('conflict', `dead letter ${entryId} is being replayed or was replayed already`);
      let id: string | null;
      try {
        id = await xaddEntry(redis, dl.stream, dl.data);
      } catch (err) {
        await redis.del(marker(entryId)).catch(() => undefined);
        throw err;
      }
      await redis.xdel(deadStream, entryId);
      return { before: { stream: dl.stream, id: dl.id, deliveries: dl.deliveries }, after: { stream: dl.stream, id: id ?? '' } };
    },
  };
}
