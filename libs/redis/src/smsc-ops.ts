import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Redis } from './redis-client';
import { parseStored } from './stored-json';
import { sleepUnless } from './sleep';

/*
 * Operations on a message an SMSC holds already (cancel_sm §4.9, replace_sm §4.10), asked by an
 * ingress and carried out by a sender with a bound session to that SMSC — request/reply through
 * Redis between any number of each:
 *   <prefix>:{smsc-ops}:<smsc>        list per SMSC: requests, LPUSHed; idle ones expire
 *   <prefix>:smsc-ops:reply:<uuid>    channel per requester: the answers, PUBLISHed
 * A sender BRPOPs only the lists of the SMSCs it has a bound session to, so a request goes to a
 * sender that can serve it now, never to one whose link happens to be down while another's is
 * up; BRPOP hands each request to exactly one of them. The lists share one hash tag, so one
 * BRPOP over several stays in one slot on a Redis Cluster. A request nobody takes before its
 * deadline is dropped by the sender that finally pops it; the requester has given up by then.
 */

const time = z.string().regex(/^(\d{13}\d\d[+\-R])?$/, 'an SMPP time (§7.1.1) or empty');
const octet = z.number().int().min(0).max(255);
const common = {
  /** The SMSC the message went to (its record's `smsc`). */
  smsc: z.string().min(1),
  msgId: z.string().min(1),
  /** The record's normalised addresses; the sender writes them as this SMSC got them. */
  src: z.string(),
  dst: z.string(),
  /** The SMSC's message id of each part. */
  smscIds: z.array(z.string().min(1)).min(1),
};

/** What an SMSC is asked to do with one message. */
export const smscOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('cancel'), ...common, serviceType: z.string().max(5) }),
  z.object({
    op: z.literal('replace'),
    ...common,
    /** Segments as sent: a message in payload mode is one part but several segments. */
    segments: z.number().int().min(0),
    /** The client's new short_message, base64, in the client's data_coding `dc`. */
    sm: z.base64(),
    dc: octet,
    /** The data_coding the SMSC got the message in: replace_sm cannot change it. */
    sdc: octet,
    schedule: time,
    validity: time,
  }),
]);
export type SmscOp = z.infer<typeof smscOpSchema>;

const requestSchema = z.object({ v: z.literal(1), id: z.string().min(1), reply: z.string().min(1), deadline: z.number(), op: smscOpSchema });
type SmscOpRequest = z.infer<typeof requestSchema>;

const replySchema = z.object({ id: z.string(), status: z.number().int().min(0), reason: z.string().optional() });
/** The SMPP status for the client (the SMSC's own, or the sender's failure) and why, when not ROK. */
export type SmscOpReply = Omit<z.infer<typeof replySchema>, 'id'>;

/** No sender answered in time: none has a bound session to the SMSC, or none answered before the timeout. */
export class SmscOpTimeoutError extends Error {
  override readonly name = 'SmscOpTimeoutError';
}

export const smscOpsKeys = (prefix: string) => ({
  queue: (smsc: string) => `${prefix}:{smsc-ops}:${smsc}`,
  reply: (requester: string) => `${prefix}:smsc-ops:reply:${requester}`,
});

/** A list nobody pushes to for this long disappears, with any request left in it (all past their deadline). */
const QUEUE_IDLE_TTL_MS = 10 * 60_000;
/** The sender stops trying this much before the requester stops waiting, so its answer still arrives. */
const replyMargin = (timeoutMs: number) => Math.min(250, Math.floor(timeoutMs / 10));

/**
 * A connection of its own (SUBSCRIBE and BRPOP take a connection for themselves) like `redis`,
 * without its command timeout: a BRPOP waits on purpose.
 */
function dedicated(redis: Redis): Redis {
  const conn: Redis = redis instanceof Cluster
    ? redis.duplicate(undefined, { enableAutoPipelining: false, redisOptions: { ...redis.options.redisOptions, commandTimeout: undefined } })
    : redis.duplicate({ enableAutoPipelining: false, commandTimeout: undefined });
  conn.on('error', () => undefined); // failures surface on the commands
  return conn;
}

export interface SmscOpsClientOptions {
  redis: Redis;
  prefix: string;
  /** How long a request waits for its answer (default 5 s). */
  timeoutMs?: number;
  logger?: Logger;
}

export interface SmscOpsClient {
  /** Rejects with SmscOpTimeoutError when no sender answered in time, a ZodError for a malformed `op`, or Redis' error. */
  request(op: SmscOp): Promise<SmscOpReply>;
  close(): Promise<void>;
}

/** The ingress side: one subscription per process, answers matched to requests by id. */
export function createSmscOpsClient(o: SmscOpsClientOptions): SmscOpsClient {
  const keys = smscOpsKeys(o.prefix);
  const timeoutMs = o.timeoutMs ?? 5_000;
  if (!(timeoutMs > 0 && timeoutMs < QUEUE_IDLE_TTL_MS)) throw new RangeError(`timeoutMs must be in (0, ${QUEUE_IDLE_TTL_MS}), got ${timeoutMs}`);
  const channel = keys.reply(randomUUID());
  const sub = dedicated(o.redis);
  const pending = new Map<string, { resolve(r: SmscOpReply): void; reject(err: Error): void }>();
  let subscribed: Promise<unknown> | undefined;
  let closed = false;

  sub.on('message', (ch: string, message: string) => {
    if (ch !== channel) return;
    const parsed = parseStored(replySchema, message);
    if (!parsed) return void o.logger?.warn({ channel }, 'malformed SMSC operation reply ignored');
    const { id, ...reply } = parsed;
    pending.get(id)?.resolve(reply);
  });

  // Subscribed before the first request goes out, or its answer could come first; retried after a failure.
  const subscribe = () =>
    (subscribed ??= sub.subscribe(channel).catch((err: unknown) => {
      subscribed = undefined;
      throw err;
    }));

  return {
    async request(op) {
      if (closed) throw new Error('SMSC operations client closed');
      // Checked here too: a request no sender could read would only time out.
      smscOpSchema.parse(op);
      await subscribe();
      const sent = Date.now();
      const req: SmscOpRequest = { v: 1, id: randomUUID(), reply: channel, deadline: sent + timeoutMs - replyMargin(timeoutMs), op };
      const answer = new Promise<SmscOpReply>((resolve, reject) => {
        const settle = () => {
          clearTimeout(timer);
          pending.delete(req.id);
        };
        const timer = setTimeout(() => {
          settle();
          reject(new SmscOpTimeoutError(`no sender with a bound session to ${op.smsc} answered within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(req.id, { resolve: (r) => (settle(), resolve(r)), reject: (err) => (settle(), reject(err)) });
      });
      const key = keys.queue(op.smsc);
      // Both on the same key (one slot); auto-pipelining sends them in one round trip.
      await Promise.all([o.redis.lpush(key, JSON.stringify(req)), o.redis.pexpire(key, QUEUE_IDLE_TTL_MS)]).catch((err: Error) =>
        pending.get(req.id)?.reject(err),
      );
      return answer;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const p of [...pending.values()]) p.reject(new Error('SMSC operations client closed'));
      sub.disconnect();
    },
  };
}

export interface SmscOpsServerOptions {
  redis: Redis;
  prefix: string;
  /** The SMSCs this instance can serve now (a bound session each): it takes only their requests. */
  serving: () => readonly string[];
  /** Carries out one operation; must answer by `deadline` (and soon after `signal` aborts). */
  serve: (op: SmscOp, ctx: { deadline: number; signal: AbortSignal }) => Promise<SmscOpReply>;
  logger?: Logger;
  /** How long one BRPOP waits; also how soon a newly bound SMSC's list is read (default 1 s). */
  blockMs?: number;
  /** Operations served at once (default 16). */
  concurrency?: number;
}

/** The sender side: takes requests for the SMSCs it serves, answers each on its requester's channel. */
export function createSmscOpsServer(o: SmscOpsServerOptions): { start(): void; close(): Promise<void> } {
  const keys = smscOpsKeys(o.prefix);
  const blockMs = o.blockMs ?? 1_000;
  const concurrency = o.concurrency ?? 16;
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let blocking: Redis | undefined;
  let loop: Promise<void> | undefined;
  let turn = 0;

  const handle = async (raw: string) => {
    const req = parseStored(requestSchema, raw);
    if (!req) return void o.logger?.warn('malformed SMSC operation request dropped');
    const log = { msgId: req.op.msgId, smscId: req.op.smsc, op: req.op.op };
    // Its requester has stopped waiting: doing it now would change the message unseen.
    if (Date.now() >= req.deadline) return void o.logger?.info(log, 'SMSC operation request past its deadline dropped');
    try {
      const reply = await o.serve(req.op, { deadline: req.deadline, signal: stopping.signal });
      await o.redis.publish(req.reply, JSON.stringify({ id: req.id, ...reply }));
    } catch (err) {
      o.logger?.warn({ ...log, err }, 'SMSC operation not answered');
    }
  };

  const run = async (blocking: Redis) => {
    for (let failures = 0; !stopping.signal.aborted; ) {
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      const smscs = o.serving();
      if (!smscs.length) {
        await sleepUnless(blockMs, stopping.signal);
        continue;
      }
      // Each turn starts with another SMSC: BRPOP serves its keys in order.
      const start = turn++ % smscs.length;
      const queues = [...smscs.slice(start), ...smscs.slice(0, start)].map(keys.queue);
      let popped: [string, string] | null;
      try {
        popped = await blocking.brpop(...queues, blockMs / 1000);
        failures = 0;
      } catch (err) {
        if (stopping.signal.aborted) break;
        if (failures++ === 0) o.logger?.warn({ err }, 'reading SMSC operation requests failed; retrying');
        await sleepUnless(Math.min(2_000, 100 * 2 ** Math.min(failures, 5)), stopping.signal);
        continue;
      }
      if (!popped) continue;
      const p = handle(popped[1]).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  };

  return {
    start() {
      if (loop || stopping.signal.aborted) return;
      blocking = dedicated(o.redis);
      loop = run(blocking);
    },
    /** Stops taking requests; those in hand are told to stop (`signal`) and answered before it resolves. */
    async close() {
      if (stopping.signal.aborted) return;
      stopping.abort();
      // A blocked BRPOP only returns when its connection goes away.
      blocking?.disconnect();
      await loop;
      await Promise.allSettled([...inFlight]);
    },
  };
}
