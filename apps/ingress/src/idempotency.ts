import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '@smsgw/platform';
import { sleepUnless, type Redis } from '@smsgw/redis';
import { ESM_CLASS, getTlv, STATUS, TLV, type Pdu } from '@smsgw/smpp';
import type { SubmitOutcome } from './submit-handler';
import type { SubmitMultiOutcome } from './submit-multi';

/** What makes two submits of one client the same message (clients[].idempotency.key). */
export type IdempotencyKeyKind = 'user_message_reference' | 'source+destination+text';

export interface IdempotencyOptions {
  key: IdempotencyKeyKind;
  /** How long the first message's id is given back to a repeated submit. */
  windowMs: number;
}

export interface IdempotencyDeps {
  redis: Redis;
  prefix: string;
  /** The client's clients[].idempotency; undefined: off for that client. */
  options: (sys: string) => IdempotencyOptions | undefined;
  /** How long a repeated submit waits for the first one's answer before ESME_RTHROTTLED (default 5 s). */
  waitMs?: number;
  /** How often a waiting submit looks for the first one's id (default 5 ms). */
  pollMs?: number;
  /**
   * How long a submit in progress holds its key (default 30 s, at most the window): if this
   * ingress dies mid-submit, a retry may go after it rather than after the whole window.
   */
  pendingMs?: number;
  logger?: Logger;
}

type Submit = (pdu: Pdu, sys: string) => Promise<SubmitOutcome>;
type SubmitMulti = (pdu: Pdu, sys: string) => Promise<SubmitMultiOutcome>;

const PENDING = 'pending:';

/** The key of one remembered submit; the client's system_id is the hash tag (one slot per client on Redis Cluster). */
export const idempotencyKey = (prefix: string, sys: string, hash: string) => `${prefix}:idem:{${sys}}:${hash}`;

/**
 * Replaces the caller's own pending marker with the first submit's answer (its message id), for
 * the whole window. If the marker is gone (it outlived pendingMs) the answer is still recorded
 * unless another submit has taken the key meanwhile — that one's marker is left alone.
 */
const FINISH = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] or v == false then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

/** Deletes the key only while it holds the caller's own marker (never another submit's id or marker). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * The identity of a submit under `kind`, or undefined when it has none (no
 * user_message_reference TLV): such a submit is never deduplicated.
 *
 * - `user_message_reference` (TLV 0x0204, §5.3.2.17): the client's reference with both
 *   addresses as sent — a 16-bit reference wraps, and clients number per recipient, so a
 *   reference alone would take another recipient's message for a retry. The parts of one
 *   concatenated message often share a reference: their UDH (with UDHI, §5.2.12) and SAR TLVs
 *   are part of the identity, so part 2 is never taken for a retry of part 1.
 * - `source+destination+text`: both addresses, esm_class, data_coding, the body and every TLV
 *   (message_payload, SAR, ports): the same message twice within the window is one message.
 */
export function submitFingerprint(pdu: Pdu, kind: IdempotencyKeyKind): string | undefined {
  return fingerprint(pdu, kind, kind, [pdu.dest_addr_ton ?? 0, pdu.dest_addr_npi ?? 0, pdu.destination_addr ?? '']);
}

/**
 * The identity of a submit_multi (§4.5.1) under `kind`: as submitFingerprint's, with the set of
 * its destinations in place of the one destination — order and repeats aside, since the
 * handler sends each distinct number once whatever the order. It never equals a submit_sm's:
 * a submit_sm and a submit_multi are never taken for retries of each other.
 */
export function submitMultiFingerprint(pdu: Pdu, kind: IdempotencyKeyKind): string | undefined {
  // Each destination as one string: the address comes last, so no two destinations read alike.
  const dests = new Set((pdu.dest_addresses ?? []).map((d) => (d.dest_flag === 2 ? `2:${d.dl_name}` : `1:${d.dest_addr_ton}:${d.dest_addr_npi}:${d.destination_addr}`)));
  return fingerprint(pdu, kind, `${kind} submit_multi`, [dests.size, ...[...dests].sort()]);
}

/** `head`, the source, `destinations`, then what `kind` takes of the message (submitFingerprint). */
function fingerprint(pdu: Pdu, kind: IdempotencyKeyKind, head: string, destinations: readonly (string | number)[]): string | undefined {
  const h = createHash('sha256');
  const field = (v: string | number | Buffer) => {
    const b = Buffer.isBuffer(v) ? v : Buffer.from(String(v));
    // Length-prefixed: no two different field lists hash the same bytes.
    h.update(Buffer.from([b.length >> 24, (b.length >> 16) & 0xff, (b.length >> 8) & 0xff, b.length & 0xff]));
    h.update(b);
  };
  field(head);
  field(pdu.source_addr_ton ?? 0);
  field(pdu.source_addr_npi ?? 0);
  field(pdu.source_addr ?? '');
  for (const d of destinations) field(d);
  const sm = pdu.short_message ?? Buffer.alloc(0);
  if (kind === 'user_message_reference') {
    const ref = getTlv(pdu, TLV.user_message_reference);
    if (!ref) return undefined;
    field(ref);
    const body = getTlv(pdu, TLV.message_payload) ?? sm;
    const udhi = ((pdu.esm_class ?? 0) & ESM_CLASS.UDHI) !== 0;
    // The UDH: its first octet is its length (UDHL, GSM 03.40).
    field(udhi && body.length ? body.subarray(0, body[0]! + 1) : Buffer.alloc(0));
    for (const tag of [TLV.sar_msg_ref_num, TLV.sar_total_segments, TLV.sar_segment_seqnum]) field(getTlv(pdu, tag) ?? Buffer.alloc(0));
  } else {
    field(pdu.esm_class ?? 0);
    field(pdu.data_coding ?? 0);
    field(sm);
    for (const t of [...(pdu.tlvs ?? [])].sort((a, b) => a.tag - b.tag)) {
      field(t.tag);
      field(t.value);
    }
  }
  return h.digest('hex').slice(0, 32);
}

/** One kind of submit as the wrapper keeps it: its identity, and its answer as the key's value. */
interface Kept<O extends SubmitOutcome> {
  fingerprint: (pdu: Pdu, kind: IdempotencyKeyKind) => string | undefined;
  /** The value kept for the window from the first submit's ESME_ROK (its message id, its outcome)… */
  encode: (messageId: string, out: O) => string;
  /** …and the ESME_ROK a repeat gets from it. */
  decode: (value: string) => O;
}

/**
 * Idempotent resubmission (opt-in per client, clients[].idempotency): a submit repeated within
 * the window — a client retrying after a response timeout — gets the first message's id with
 * ESME_ROK and queues nothing. Wraps the submit handler as createDataSmHandler does, so a
 * data_sm goes through it too. Every step is one single-key command: race-free across every
 * ingress instance, and on Redis Cluster.
 */
export function createIdempotentSubmit(submit: Submit, deps: IdempotencyDeps): Submit {
  return createIdempotent(submit, deps, {
    fingerprint: submitFingerprint,
    encode: (messageId) => messageId,
    decode: (messageId) => ({ status: STATUS.ESME_ROK, messageId }),
  });
}

/**
 * The same for submit_multi (§4.5): a repeat gets the first one's message_id and its
 * unsuccess_sme list — the answer the client missed — and no second set of messages.
 */
export function createIdempotentSubmitMulti(submit: SubmitMulti, deps: IdempotencyDeps): SubmitMulti {
  return createIdempotent(submit, deps, {
    fingerprint: submitMultiFingerprint,
    encode: (id, out) => JSON.stringify({ id, unsuccess: out.unsuccess ?? [] }),
    decode: (value) => {
      const { id, unsuccess } = JSON.parse(value) as { id: string; unsuccess: SubmitMultiOutcome['unsuccess'] };
      return { status: STATUS.ESME_ROK, messageId: id, unsuccess };
    },
  });
}

/** The wrapper both kinds share: the first of identical submits goes, the others get its answer. */
function createIdempotent<O extends SubmitOutcome>(submit: (pdu: Pdu, sys: string) => Promise<O>, deps: IdempotencyDeps, kept: Kept<O>): (pdu: Pdu, sys: string) => Promise<O | SubmitOutcome> {
  // Defined once per connection, sent as EVALSHA, as every script of the gateway.
  const redis = deps.redis as Redis & {
    smsgwIdemFinish(key: string, marker: string, value: string, windowMs: number): Promise<number>;
    smsgwIdemRelease(key: string, marker: string): Promise<number>;
  };
  if (typeof redis.smsgwIdemFinish !== 'function') redis.defineCommand('smsgwIdemFinish', { numberOfKeys: 1, lua: FINISH });
  if (typeof redis.smsgwIdemRelease !== 'function') redis.defineCommand('smsgwIdemRelease', { numberOfKeys: 1, lua: RELEASE });
  const waitMs = deps.waitMs ?? 5_000;
  const pollMs = deps.pollMs ?? 5;

  /** The submit that won the key: the only one that may queue a message. */
  const first = async (pdu: Pdu, sys: string, key: string, marker: string, windowMs: number): Promise<O> => {
    let out: O;
    try {
      out = await submit(pdu, sys);
    } catch (err) {
      await redis.smsgwIdemRelease(key, marker).catch(() => undefined);
      throw err;
    }
    if (out.status !== STATUS.ESME_ROK || !out.messageId) {
      // Refused (rate, queue full, bad field): nothing was queued, so the key is given up before
      // the answer — the client's retry of a refused submit must be able to go.
      await redis.smsgwIdemRelease(key, marker).catch(() => undefined);
      return out;
    }
    // The id is recorded only now that the message is durable in `in` (a duplicate must never be
    // given the id of a message that may not exist), and before the ROK: once the client holds
    // its id, a retry must find that id — were it recorded later and this process died first,
    // the marker would expire and the retry would make a second message.
    try {
      await redis.smsgwIdemFinish(key, marker, kept.encode(out.messageId, out), windowMs);
    } catch (err) {
      // The message is queued: answering anything but ROK would invite a certain duplicate. Only
      // retries after the marker expires may make one now.
      deps.logger?.warn({ err: (err as Error).message, systemId: sys, msgId: out.messageId }, 'idempotency key not recorded; a retry may duplicate this message');
    }
    return out;
  };

  /** Waits for the first submit's answer: its kept value, 'gone' (refused or expired), or 'pending' past the deadline. */
  const awaitFirst = async (key: string, deadline: number): Promise<{ value: string } | 'gone' | 'pending'> => {
    for (;;) {
      const v = await redis.get(key);
      if (v === null) return 'gone';
      if (!v.startsWith(PENDING)) return { value: v };
      if (Date.now() >= deadline) return 'pending';
      await sleepUnless(pollMs);
    }
  };

  return async (pdu, sys) => {
    const opts = deps.options(sys);
    const hash = opts && kept.fingerprint(pdu, opts.key);
    if (!opts || !hash) return submit(pdu, sys);
    const key = idempotencyKey(deps.prefix, sys, hash);
    const pendingMs = Math.min(deps.pendingMs ?? 30_000, opts.windowMs);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const marker = PENDING + randomUUID();
      let won: boolean;
      try {
        // SET NX elects one submitter atomically: of any number of identical submits, on any
        // ingress, exactly one sees OK; the others see the marker from that moment on.
        won = (await redis.set(key, marker, 'PX', pendingMs, 'NX')) === 'OK';
      } catch (err) {
        return { status: STATUS.ESME_RMSGQFUL, reason: `queue unavailable: ${(err as Error).message}` };
      }
      if (won) return first(pdu, sys, key, marker, opts.windowMs);
      let seen: Awaited<ReturnType<typeof awaitFirst>>;
      try {
        seen = await awaitFirst(key, deadline);
      } catch (err) {
        return { status: STATUS.ESME_RMSGQFUL, reason: `queue unavailable: ${(err as Error).message}` };
      }
      if (typeof seen === 'object') return kept.decode(seen.value);
      // The first is still running past our bound: a temporary refusal (§5.1.3); the client's
      // next retry finds the id.
      if (seen === 'pending') return { status: STATUS.ESME_RTHROTTLED, reason: 'the same submit is still being processed (clients[].idempotency)' };
      // 'gone': the first was refused (or its marker expired); this submit tries to go itself.
    }
  };
}
