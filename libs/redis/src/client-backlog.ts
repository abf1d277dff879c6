import { ENTRY_FIELD } from '@smsgw/contracts';
import { defineDynamicKeyCommand, type Redis } from './redis-client';
import { defineXaddEntries, encodeEntry, xaddEntries } from './stream-entry';
import { clientCancelledKey, clientReplacedKey, createCancelScripts } from './cancel-scripts';
import { createTickBatch } from '@smsgw/store';
import { COUNT_SCRIPT, pendingKey, pendingOf, pendingPlace, type PendingEntry, type PendingMessage } from './pending-index';

/**
 * A message as the backlog counts it: its id and the client that submitted it; with its
 * addresses (and service_type) it is indexed for the mass cancel and replace_if_present too.
 */
export interface BacklogMessage {
  id: string;
  sys: string;
  at?: number;
  svc?: string;
  src?: { norm: string };
  dst?: { norm: string };
}

const indexed = (m: BacklogMessage): m is PendingMessage => !!m.src && !!m.dst && m.at !== undefined;

type CountRedis = Redis & { smsgwCount(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number> };

/** How long past its expiry a message may still be counted before the sweep drops it. */
export const BACKLOG_GRACE_MS = 10 * 60_000;

/** The client's set of in-flight message ids (hash tag: one slot per client on Redis Cluster). */
export const clientBacklogKey = (prefix: string, sys: string) => `${prefix}:backlog:{${sys}}`;

/**
 * Per client, the ids of its messages accepted and not yet finished — in `in`, held by the
 * policy (scheduled, quiet hours, waiting concat parts), in `out:<pool>` or being sent — as a
 * sorted set scored by the message's expiry. Exact and idempotent: ingress adds the id with the
 * XADD that accepts the message; the stage where the message ends (sent, duplicate, failed,
 * expired, refused) removes it, and a redelivery removing it twice is harmless. A removal that
 * never ran (a dead-lettered entry, a crash between the stage's writes) is swept once the
 * message is past its expiry plus BACKLOG_GRACE_MS: by then no stage can still hold it, so a
 * missed removal never blocks a client for longer than its messages' life. The sender removes
 * the id already when it hands the message's first part to an SMSC (`handoff`): from then on a
 * cancel_sm cannot take it back (cancel-scripts.ts).
 */
export function createClientBacklog(redis: Redis, prefix: string, opts: { acceptLingerMs?: number } = {}) {
  const key = (sys: string) => clientBacklogKey(prefix, sys);
  const cancelledKey = (sys: string) => clientCancelledKey(prefix, sys);
  const replacedKey = (sys: string) => clientReplacedKey(prefix, sys);
  const r = redis as CountRedis;
  defineDynamicKeyCommand(redis, 'smsgwCount', COUNT_SCRIPT);
  defineXaddEntries(redis);
  /** KEYS and ARGV of COUNT_SCRIPT for these messages of one client. */
  const countCall = (sys: string, items: readonly { m: BacklogMessage; score: number }[]) => {
    const keys = [key(sys)];
    const args: (string | number)[] = [];
    for (const { m, score } of items) {
      if (indexed(m)) {
        const place = pendingPlace(prefix, m);
        keys.push(place.key);
        args.push(score, m.id, place.member, score + BACKLOG_GRACE_MS);
      } else {
        keys.push(keys[0]!);
        args.push(score, m.id, '', 0);
      }
    }
    return r.smsgwCount(keys.length, ...keys, ...args);
  };
  type Enqueued = { ok: true; id: string | null } | { ok: false; err: unknown };
  /**
   * The submits of one client in one tick: ONE counting script for all of them, issued before
   * their XADDs (so on one connection the count lands first: a message in a stream is always
   * counted), then the XADDs. Each answers once its XADD is durable and the count is in; if only
   * the count failed the message is still accepted (just not counted); a message whose XADD
   * failed is taken back out of the backlog (best effort — the sweep drops it otherwise).
   * `acceptLingerMs` (ingress.acceptLingerMs) holds a client's first submit that long for others
   * to join it: below saturation every stage downstream then reads, writes and round-trips in
   * groups instead of per message.
   */
  const enqueueBatch = createTickBatch<{ stream: string; entry: BacklogMessage; score: number }, Enqueued>(async (sys, items) => {
    const counted = countCall(sys, items.map((it) => ({ m: it.entry, score: it.score }))).catch(() => undefined);
    // The XADDs: one script call per stream, each entry's outcome its own.
    const added = new Array<string | Error>(items.length);
    const byStream = new Map<string, number[]>();
    for (let i = 0; i < items.length; i++) {
      const at = byStream.get(items[i]!.stream);
      if (at) at.push(i);
      else byStream.set(items[i]!.stream, [i]);
    }
    await Promise.all([...byStream].map(async ([stream, at]) => {
      let res: Array<string | Error>;
      try {
        res = await xaddEntries(redis, stream, at.map((i) => items[i]!.entry));
      } catch (err) {
        res = at.map(() => (err instanceof Error ? err : new Error(String(err))));
      }
      at.forEach((i, j) => (added[i] = res[j] ?? new Error(`no answer for entry ${j} of ${at.length}`)));
    }));
    // Counted before the client hears ESME_ROK (same round trip; on a cluster another node):
    // a query_sm right after the answer finds the message (`has`).
    await counted;
    const failed = items.filter((_, i) => added[i] instanceof Error).map((it) => it.entry.id);
    if (failed.length) await redis.zrem(key(sys), ...failed).catch(() => undefined);
    return added.map((a) => (a instanceof Error ? { ok: false as const, err: a as unknown } : { ok: true as const, id: a }));
  }, 500, opts.acceptLingerMs ?? 0);
  return {
    // cancel_sm and replace_sm: cancel, replace, handoff, cancelledOf, replacementsOf, isCancelled (cancel-scripts.ts).
    ...createCancelScripts(redis, key, cancelledKey, replacedKey),
    /** Where a message sits in the pending index (for the hand-off script). */
    pendingPlace: (m: PendingMessage) => pendingPlace(prefix, m),
    /** This client's messages from `src` to `dst` (normalised) not yet handed off, latest first. */
    pending: (sys: string, src: string, dst: string): Promise<PendingEntry[]> => pendingOf(redis, pendingKey(prefix, sys, src, dst)),
    /**
     * Appends an accepted message to `stream` and counts it, in one round trip (the count goes
     * first, so a message in a stream is always counted; see enqueueBatch). Not a MULTI: the
     * two keys are in different slots on Redis Cluster. Resolves once the XADD is durable. The
     * entry is written as it is; ingress always sets `exp`, an entry without one is scored as
     * living `fallbackAgeMs`.
     */
    async enqueue<E extends BacklogMessage & { at: number; exp?: number }>(stream: string, entry: E, fallbackAgeMs = 48 * 3_600_000): Promise<string | null> {
      const res = await enqueueBatch(entry.sys, { stream, entry, score: entry.exp ?? entry.at + fallbackAgeMs });
      if (!res.ok) throw res.err;
      return res.id;
    },
    /**
     * Several accepted messages at once (the destinations of one submit_multi): all of them are
     * in `stream` or none is. The XADDs go in one MULTI/EXEC on the one stream key (one slot on
     * Redis Cluster as well): Redis runs a transaction whole, refuses the EXEC as a whole when
     * out of memory, and XADDs with `*` to one key fail alike (WRONGTYPE) or not at all. Counted
     * as in `enqueue`: the counts (one call per client) go first, and are taken back if the
     * transaction failed. Resolves with the stream ids in entry order.
     */
    async enqueueAll<E extends BacklogMessage & { at: number; exp?: number }>(stream: string, entries: readonly E[], fallbackAgeMs = 48 * 3_600_000): Promise<string[]> {
      if (!entries.length) return [];
      const bySys = new Map<string, E[]>();
      for (const e of entries) {
        const of = bySys.get(e.sys) ?? [];
        of.push(e);
        bySys.set(e.sys, of);
      }
      // One counting call per client (concurrent: they share round trips).
      const counted = Promise.all([...bySys].map(([sys, es]) => countCall(sys, es.map((m) => ({ m, score: m.exp ?? m.at + fallbackAgeMs }))))).catch(() => undefined);
      try {
        const tx = redis.multi();
        for (const e of entries) tx.xadd(stream, '*', ENTRY_FIELD, encodeEntry(e));
        const res = await tx.exec();
        if (!res) throw new Error(`transaction on ${stream} aborted`);
        const failed = res.find(([err]) => err);
        if (failed) throw failed[0]!;
        await counted;
        return res.map(([, id]) => id as string);
      } catch (err) {
        await counted;
        await Promise.all([...bySys].map(([sys, es]) => redis.zrem(key(sys), ...es.map((e) => e.id)))).catch(() => undefined);
        throw err;
      }
    },
    /**
     * Uncounts finished messages: one ZREM per client and its replacements (concurrent calls
     * share round trips); messages given with their addresses leave the pending index too
     * (those handed off left it at the hand-off).
     */
    async remove(messages: Iterable<BacklogMessage>): Promise<void> {
      const bySys = new Map<string, string[]>();
      const places: Promise<unknown>[] = [];
      for (const m of messages) {
        const ids = bySys.get(m.sys);
        if (ids) ids.push(m.id);
        else bySys.set(m.sys, [m.id]);
        if (indexed(m)) {
          const place = pendingPlace(prefix, m);
          places.push(redis.zrem(place.key, place.member));
        }
      }
      await Promise.all([...[...bySys].flatMap(([sys, ids]) => [redis.zrem(key(sys), ...ids), redis.hdel(replacedKey(sys), ...ids)]), ...places]);
    },
    /**
     * Whether `id` is one of this client's messages in flight: accepted, and not yet ended. The
     * ingress answers query_sm from it while the policy-worker has not created the message's
     * record yet (the entry still waits in `in`).
     */
    async has(sys: string, id: string): Promise<boolean> {
      return (await redis.zscore(key(sys), id)) !== null;
    },
    /** How many messages each client has in flight (ZCARD, O(1); one round trip for all). */
    async counts(systems: readonly string[]): Promise<Map<string, number>> {
      const n = await Promise.all(systems.map((sys) => redis.zcard(key(sys))));
      return new Map(systems.map((sys, i) => [sys, n[i]!]));
    },
    /**
     * Drops messages past their expiry by more than `graceMs`: a removal was missed. Returns how
     * many. Cancelled ids go the same way: kept until no stage can meet the message again.
     */
    async sweep(systems: readonly string[], now = Date.now(), graceMs = BACKLOG_GRACE_MS): Promise<number> {
      const before = `(${now - graceMs}`;
      const n = await Promise.all(systems.flatMap((sys) => [redis.zremrangebyscore(key(sys), '-inf', before), redis.zremrangebyscore(cancelledKey(sys), '-inf', before)]));
      // A replacement whose message left the backlog without taking it along (a missed removal).
      await Promise.all(systems.map(async (sys) => {
        const ids = await redis.hkeys(replacedKey(sys));
        if (!ids.length) return;
        const scores = await redis.zmscore(key(sys), ...ids);
        const gone = ids.filter((_, i) => scores[i] === null);
        if (gone.length) await redis.hdel(replacedKey(sys), ...gone);
      }));
      return n.reduce((a, b) => a + b, 0);
    },
  };
}

export type ClientBacklog = ReturnType<typeof createClientBacklog>;

/** The messages of a stream entry's payload — one message, or the parts of a client-concatenated group. */
export function messagesOfEntry(data: unknown): BacklogMessage[] {
  const d = data as { id?: unknown; sys?: unknown; parts?: unknown } | undefined;
  if (Array.isArray(d?.parts)) return d.parts.flatMap(messagesOfEntry);
  return typeof d?.id === 'string' && typeof d.sys === 'string' ? [{ id: d.id, sys: d.sys }] : [];
}
