import type { Redis } from './redis-client';

/**
 * cancel_sm (SMPP v3.4 §4.9) against the hand-off to an SMSC. A message's id in its client's
 * backlog set (`<p>:backlog:{sys}`, see client-backlog.ts) is the token "not yet handed to an
 * SMSC"; exactly one of two scripts takes it:
 * - the ingress's CANCEL moves it from the backlog to `<p>:cancelled:{sys}` (same score: the
 *   message's expiry), so every stage that meets the message later sees it cancelled;
 * - the sender's HANDOFF, right before the message's first part is submitted, removes it from
 *   the backlog; only if it is gone AND in `cancelled` the message was cancelled first.
 * Redis runs a script whole, so a cancel and a handoff of one message are serialized: either
 * the cancel wins (never submitted) or the handoff wins (the cancel fails, the message goes).
 * Both keys carry the client's hash tag: one slot on Redis Cluster, so one script may use both.
 * An id in neither set (counted late, swept, another client's) hands off: sending is right.
 */

/** KEYS: backlog, cancelled. ARGV: id. Returns 1 when cancelled here, 0 when not cancellable. */
const CANCEL_SCRIPT = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], score, ARGV[1])
return 1
`;

/** KEYS: backlog, cancelled. ARGV: id. Returns 1 to submit, 0 when the message was cancelled. */
const HANDOFF_SCRIPT = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
return 1
`;

/** Why a cancelled message ended DELETED (its failure in `dlr-in`, the receipt, the journal). */
export const CANCEL_REASON = 'cancelled by the client (cancel_sm)';

/** The client's cancelled messages (hash tag of its backlog: the same slot on Redis Cluster). */
export const clientCancelledKey = (prefix: string, sys: string) => `${prefix}:cancelled:{${sys}}`;

type CancelRedis = Redis & {
  smsgwCancel(backlog: string, cancelled: string, id: string): Promise<number>;
  smsgwHandoff(backlog: string, cancelled: string, id: string): Promise<number>;
};

/**
 * The cancel side of the client backlog. Ids stay in `cancelled` until the backlog's sweep
 * drops them (past their expiry plus the grace): every later copy of the message — a
 * redelivered entry, a held message released back to `in` — is still recognised, so a crash
 * between ending a cancelled message and acknowledging its entry never sends it after all.
 */
export function createCancelScripts(redis: Redis, backlogKey: (sys: string) => string, cancelledKey: (sys: string) => string) {
  const r = redis as CancelRedis;
  if (typeof r.smsgwCancel !== 'function') r.defineCommand('smsgwCancel', { numberOfKeys: 2, lua: CANCEL_SCRIPT });
  if (typeof r.smsgwHandoff !== 'function') r.defineCommand('smsgwHandoff', { numberOfKeys: 2, lua: HANDOFF_SCRIPT });
  return {
    /**
     * Cancels a message not yet handed to an SMSC: true when it was in the client's backlog
     * (and is now in `cancelled`); false when it was handed off already, has ended, or is not
     * this client's.
     */
    async cancel(sys: string, id: string): Promise<boolean> {
      return (await r.smsgwCancel(backlogKey(sys), cancelledKey(sys), id)) === 1;
    },
    /**
     * Right before a message's first part goes to an SMSC: 'go', or 'cancelled' when a cancel
     * won. Once it said 'go', no cancel of that message can succeed any more.
     */
    async handoff(sys: string, id: string): Promise<'go' | 'cancelled'> {
      return (await r.smsgwHandoff(backlogKey(sys), cancelledKey(sys), id)) === 1 ? 'go' : 'cancelled';
    },
    /** Which of these messages of the client were cancelled (one ZMSCORE). */
    async cancelledOf(sys: string, ids: readonly string[]): Promise<Set<string>> {
      if (!ids.length) return new Set();
      const scores = await redis.zmscore(cancelledKey(sys), ...ids);
      return new Set(ids.filter((_, i) => scores[i] !== null));
    },
    async isCancelled(sys: string, id: string): Promise<boolean> {
      return (await redis.zscore(cancelledKey(sys), id)) !== null;
    },
  };
}
