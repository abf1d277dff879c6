import { applyReplacement, isFinalState, outEntrySchema, outGroupSchema, type JournalEntry, type OutEntry, type StreamNames } from '@smsgw/contracts';
import { normaliseSmscMsgId, sendableUntil, type SmscIdFormat } from '@smsgw/domain';
import type { AppMetrics, Logger, SmscTextConfig, Tracing } from '@smsgw/platform';
import { defineDynamicKeyCommand, messagesOfEntry, runBatch, sleepUnless, type BatchHandler, type ClientBacklog, type EntryOutcome, type RateLimiter, type Redis, type StreamEntry } from '@smsgw/redis';
import { STATUS, type Pdu, type SmppSession } from '@smsgw/smpp';
import { createConcatRefs } from '@smsgw/sms-text';
import { createTickBatch, type MessageRecord, type RecordSubmitInput, type StateStore } from '@smsgw/store';
import type { SmscLink } from './smsc-link';
import { prepareParts } from './prepare-parts';
import { buildSubmitPdu, SUBMIT_RESP } from './submit-pdu';
import { classifySubmitStatus, type SubmitErrorTable } from './submit-errors';
import { createLinkChooser } from './link-choice';
import { createMessageEndings, type Outcome } from './message-endings';
import { traceSend } from './send-tracing';
import { randomUUID } from 'node:crypto';

export interface MessageSenderDeps {
  redis: Redis;
  store: StateStore;
  names: StreamNames;
  prefix: string;
  links: Map<string, SmscLink>;
  /** How each SMSC writes ids in submit_sm_resp (default 'text'). */
  idFormats?: Map<string, SmscIdFormat>;
  /** Text options of each SMSC (encodings, segmentation mode); defaults when absent. */
  text?: Map<string, SmscTextConfig>;
  /** The link rate limiter of each SMSC with a throughput (L1+L2: the rate holds across every sender). */
  limiters: Map<string, RateLimiter>;
  /** Limits over several links: per pool, and the global cap (taken after the link's). */
  poolLimiters?: Map<string, RateLimiter>;
  globalLimiter?: RateLimiter;
  metrics: AppMetrics;
  logger: Logger;
  /** How long a claim on a message lasts; a crashed sender's messages are sent again after it. */
  leaseMs?: number;
  /** Backoff of a part the SMSC answered with a `retry` status, and how many such answers end it (0 = until it expires). */
  retry?: { minMs: number; maxMs: number; maxAttempts: number };
  /** Each SMSC's submit_sm_resp error table (smscs[].errors); SMPP's defaults otherwise. */
  errors?: Map<string, SubmitErrorTable>;
  /** Aborted when the app stops: waiting messages go back to their stream at once. */
  signal?: AbortSignal;
  /** Each SMSC's own cap on a message's age (smscs[].maxAgeMs): older messages end EXPIRED. */
  maxAgeMs?: Map<string, number>;
  /** Who holds a lease: this sender's leases carry it (a random id when absent). */
  instance?: string;
  /**
   * Each client's messages in flight (clients[].maxBacklog): a message that ends here leaves it,
   * and its `handoff` before the first part is what a cancel_sm races (cancel-scripts.ts).
   */
  backlog?: ClientBacklog;
  /** tracing.enabled: a traced message's `sender submit_sm` span, kept with its SMSC ids. */
  tracing?: Tracing;
}

/** The link and session a group of parts sticks to. */
type Pin = { link?: SmscLink; session?: SmppSession };


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A message's lease: in its client's hash-tag slot, so one script claims a client's messages of a tick. */
export const senderLeaseKey = (prefix: string, sys: string, id: string) => `${prefix}:lease:{${sys}}:${id}`;

/**
 * KEYS: the leases to claim; ARGV: this sender's instance, lease ms → per lease 1 claimed, 2 this
 * instance's already (taken over, renewed), 0 held by another.
 */
const CLAIM_LUA = `
local out = {}
for i = 1, #KEYS do
  if redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2], 'NX') then
    out[i] = 1
  elseif redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
    out[i] = 2
  else
    out[i] = 0
  end
end
return out`;
type WithClaim = Redis & { smsgwClaimLeases(numKeys: number, ...args: (string | number)[]): Promise<number[]> };
/** How often a message whose lease another handler holds looks again. */
const LEASE_POLL_MS = 500;

/**
 * One batch of `out:<pool>`: each message is claimed with a lease (a redelivered entry of a
 * message already sent is acked without a second submit), split into parts, submitted part by
 * part on one session in order, and each SMSC message id is stored before the entry is acked.
 */
export function createMessageSender(deps: MessageSenderDeps): BatchHandler {
  const { redis, store, names, metrics, logger } = deps;
  const leaseMs = deps.leaseMs ?? 120_000;
  const retry = deps.retry ?? { minMs: 50, maxMs: 5_000, maxAttempts: 0 };
  const refs = createConcatRefs();
  const choose = createLinkChooser<SmscLink>();
  const leaseKey = (m: { sys: string; id: string }) => senderLeaseKey(deps.prefix, m.sys, m.id);
  defineDynamicKeyCommand(redis, 'smsgwClaimLeases', CLAIM_LUA);
  /** The claims of one tick, per client in one script (1 claimed, 2 ours already, 0 another's). */
  const claimLeases = createTickBatch<string, number>(
    (sys, ids) => (redis as WithClaim).smsgwClaimLeases(ids.length, ...ids.map((id) => senderLeaseKey(deps.prefix, sys, id)), instance, leaseMs),
    200,
  );
  const instance = deps.instance ?? randomUUID();
  /** Messages a handler of this sender holds the lease of right now. */
  const sending = new Set<string>();
  const sentAlready = (rec: MessageRecord | null) => !!rec && (rec.state === 'SUBMITTED' || isFinalState(rec.state));
  /** Messages whose replaced copy went back to `in`: still in flight, they stay in their client's backlog. */
  const reinjected = new Set<string>();

  /** The route's primaries by weight among the bound ones; its backups only while none is bound. */
  const chooseLink = (m: OutEntry): SmscLink | undefined =>
    choose(m.smscs.map((id) => deps.links.get(id)), m.weights, (m.backup ?? []).map((id) => deps.links.get(id)));

  const { expire, cancelled, replaced, fail, malformed, giveBack } = createMessageEndings({ redis, store, names, metrics, logger, leaseKey, reinjected });

  const sendOne = async (e: StreamEntry): Promise<Outcome> => {
    if ((e.data as { k?: string } | undefined)?.k === 'group') return sendGroup(e);
    const parsed = outEntrySchema.safeParse(e.data);
    if (!parsed.success) return malformed(e);
    return sendMessage(parsed.data, e.deliveries);
  };

  /**
   * The parts of a message the client concatenated itself, one after the other on one session:
   * each part is acknowledged by the SMSC before the next goes, so they arrive in order. A part
   * that must wait stops the group; on its redelivery the parts already sent are recognised.
   */
  const sendGroup = async (e: StreamEntry): Promise<Outcome> => {
    const parsed = outGroupSchema.safeParse(e.data);
    if (!parsed.success) return malformed(e);
    const pin: Pin = {};
    const journal: JournalEntry[] = [];
    for (const part of parsed.data.parts) {
      const out = await sendMessage(part, e.deliveries, pin);
      journal.push(...(out.journal ?? []));
      if (out.result === 'retry' || out.result === 'requeue') return { result: out.result };
    }
    return { result: 'sent', journal };
  };

  /**
   * Claims a message for this sender. A lease held elsewhere means another sender (or another
   * delivery of the entry here) is at work: the entry waits, held, until that one has sent it or
   * let go — a busy lease never counts as a failed delivery. A lease of this sender's that no
   * handler here holds was left by one that failed while Redis was away (its DEL could not run):
   * it is taken over, and the store says what the SMSC already has.
   */
  const claim = async (m: OutEntry): Promise<'claimed' | 'taken over' | 'duplicate' | 'stopped'> => {
    for (;;) {
      if (!sending.has(m.id)) {
        sending.add(m.id);
        try {
          const got = await claimLeases(m.sys, m.id);
          if (got === 1) return 'claimed';
          if (got === 2) return 'taken over';
        } catch (err) {
          sending.delete(m.id);
          throw err;
        }
        sending.delete(m.id);
      }
      if (sentAlready(await store.get(m.id))) return 'duplicate';
      if (deps.signal?.aborted) return 'stopped';
      await sleepUnless(LEASE_POLL_MS, deps.signal);
    }
  };

  const traced = deps.tracing && traceSend(deps.tracing);
  const sendMessage = (m: OutEntry, deliveries: number, pin?: Pin): Promise<Outcome> =>
    traced && m.tp ? traced({ ...m, tp: m.tp }, (t) => sendUntraced(t, deliveries, pin)) : sendUntraced(m, deliveries, pin);

  const sendUntraced = async (m: OutEntry, deliveries: number, pin?: Pin): Promise<Outcome> => {
    const claimed = await claim(m);
    if (claimed === 'duplicate') return { result: 'duplicate' };
    if (claimed === 'stopped') return { result: 'retry' };
    try {
      return await sendClaimed(m, claimed === 'taken over' || deliveries > 1, pin);
    } catch (err) {
      // Let the next delivery of this entry claim it again at once.
      await redis.del(leaseKey(m)).catch(() => undefined);
      throw err;
    } finally {
      sending.delete(m.id);
    }
  };

  const sendClaimed = async (m: OutEntry, redelivered: boolean, pin?: Pin): Promise<Outcome> => {
    // Bound only on the rare paths that log: a child logger per message costs on the hot path.
    const log = { warn: (o: object, msg: string) => logger.warn({ msgId: m.id, ...o }, msg) };
    // The lease is never turned into a "done" marker (a write per message): a copy of this
    // message seen while the lease lives hits the branch above; a copy seen after the lease
    // expired is necessarily older than leaseMs (the first copy was claimed after routing),
    // so old or redelivered entries consult the store, which knows what the SMSC acknowledged.
    const suspect = redelivered || Date.now() - m.rt > leaseMs / 2;
    const known = suspect ? await store.get(m.id) : null;
    if (sentAlready(known)) return { result: 'duplicate' };
    const startedAny = !!known?.smscIds.some(Boolean);
    // The parts of a group all go over the link (and session) its first part took.
    let link = pin?.link ?? chooseLink(m);
    if (pin) pin.link = link;
    // Parts are made for the chosen SMSC's text options; references rotate per destination.
    const ref = refs.next(m.dst.norm);
    let prepared = prepareParts(m, ref, link && deps.text?.get(link.id));
    const parts = () => prepared.parts.length;
    // Its validity (capped by this SMSC's maximum age) bounds every wait below.
    const untilOf = (l: SmscLink | undefined) => sendableUntil(m, l && deps.maxAgeMs?.get(l.id));
    const journal: JournalEntry[] = [];
    let sentParts = 0;
    let handedOff = false;
    let leaseRenewed = Date.now();
    for (let part = 0; part < parts(); part++) {
      if (known?.smscIds[part]) continue;
      let attempt = 0;
      let retries = 0;
      let throttled = false;
      for (;;) {
        if (deps.signal?.aborted) return giveBack(m);
        const until = untilOf(link);
        if (Date.now() >= until) return expire(m, part, link?.id);
        if (!link || link.boundCount === 0) {
          // Before its first part goes, a message whose link is down moves to a bound link of
          // its route at once (a group stays where its first part went).
          const other = !pin && sentParts === 0 && !startedAny ? chooseLink(m) : undefined;
          if (other && other.boundCount > 0 && other !== link) {
            link = other;
            prepared = prepareParts(m, ref, deps.text?.get(link.id));
            continue;
          }
          // Waiting is not failing: no bound session means wait — as long as the validity
          // allows — holding the entry (the consumer keeps it from being reclaimed) and renewing
          // the lease; nothing counts against the message.
          if (Date.now() - leaseRenewed > leaseMs / 3) {
            leaseRenewed = Date.now();
            await redis.pexpire(leaseKey(m), leaseMs).catch(() => undefined);
          }
          // With other links in the route (or a backup), look again every second: any may bind.
          const chunk = Math.min(until - Date.now(), m.smscs.length + (m.backup?.length ?? 0) > 1 ? 1_000 : leaseMs / 3);
          if (link) await link.waitBound(chunk, deps.signal);
          else await sleepUnless(chunk, deps.signal);
          continue;
        }
        const session = pin?.session && !pin.session.closed && pin.link === link ? pin.session : link.pick();
        if (pin) pin.session = session;
        if (!session) {
          await sleep(10); // a session closing right now: its close event is on its way
          continue;
        }
        const limiter = deps.limiters.get(link.id);
        // Tokens are segments: in payload mode the one part carries them all.
        const tokens = part === 0 ? Math.max(1, prepared.segments - (parts() - 1)) : 1;
        // A part the SMSC throttled goes again before newer messages (no queueing behind them).
        const poolLimiter = deps.poolLimiters?.get(m.pool);
        // A stopping sender gives the message back rather than wait its turn (tokens already
        // taken from a scope are lost: a few segments of rate, never a message).
        for (const l of [limiter, poolLimiter, deps.globalLimiter]) {
          if (l && !(await l.take(tokens, throttled, deps.signal))) return giveBack(m);
        }
        // The limiter may have held it past its validity.
        if (Date.now() >= until) return expire(m, part, link.id);
        // The last moment a cancel_sm or replace_sm can win: its first part is about to go
        // (after the wait for a link and the rate tokens). A redelivery whose part 0 went
        // before never asks.
        if (deps.backlog && !handedOff && sentParts === 0 && !startedAny) {
          const h = await deps.backlog.handoff(m.sys, m.id, { rv: m.rv, pending: deps.backlog.pendingPlace(m) });
          if (h === 'cancelled') return cancelled(m);
          if (h === 'gone') {
            // Another copy of this message was handed off before (it was routed twice: a
            // policy-worker's redelivery, a second release), or it was never counted: the store
            // says whether it went. Parts another copy sent are skipped by this entry's redelivery.
            const rec = await store.get(m.id);
            if (sentAlready(rec)) return { result: 'duplicate' };
            if (rec?.smscIds.some(Boolean)) return { result: 'retry' };
          } else if (h !== 'go') {
            if (!pin) return replaced(m, h.replaced);
            // A part of a client-concatenated group keeps its place in the group: changed here.
            m = applyReplacement(m, h.replaced);
            prepared = prepareParts(m, ref, deps.text?.get(link.id));
            continue;
          }
          handedOff = true;
        }
        // An operator suspended or drained the link during the waits above: nothing new goes on
        // it (the loop waits, or moves the message to another link of its route).
        if (link.boundCount === 0) continue;
        // submit_sm, or data_sm for an SMSC that wants it (smscs[].submitWith); its response
        // is read the same way.
        const pdu = buildSubmitPdu({ command: link.submitWith, m, prepared, part, until, addressing: link.addressing });
        let resp: Pdu;
        const sentAt = performance.now();
        try {
          resp = await session.request(pdu);
          metrics.smscRoundTrip.observe({ peer: link.id }, (performance.now() - sentAt) / 1000);
          link.answered++;
        } catch (err) {
          // Timeout or a dropped session: the submit is in doubt; resend on a recovered session.
          metrics.errors.inc({ kind: 'submit_in_doubt' });
          log.warn({ err: (err as Error).message, smscId: link.id, part }, 'submit in doubt; resending');
          attempt++;
          continue;
        }
        if (resp.status === STATUS.ESME_ROK && resp.command === SUBMIT_RESP[link.submitWith]) {
          const smscMsgId = normaliseSmscMsgId(resp.message_id ?? '', deps.idFormats?.get(link.id));
          // The record learns what went: the SMSC's own id (for forwarded cancel/replace), its
          // data_coding, and the client's data_coding and registered_delivery as sent (a
          // replacement may have changed them since the record was created).
          await keepSmscId(m, { part, parts: parts(), smsc: link.id, smscMsgId, rawSmscMsgId: resp.message_id ?? '', at: Date.now(), segments: prepared.segments, sdc: prepared.dataCoding, dc: m.dc, rd: m.rd, tp: m.tp });
          journal.push({
            ts: Date.now(), ev: 'submitted', id: m.id, sys: m.sys, dst: m.dst.norm, smsc: link.id, part, seg: prepared.segments, dc: prepared.dataCoding, smscMsgId,
            latencyMs: Date.now() - m.at,
          });
          metrics.messages.inc({ stage: 'sender', outcome: 'part_submitted' });
          sentParts++;
          break;
        }
        const kind = (deps.errors?.get(link.id) ?? classifySubmitStatus)(resp.status, resp.command);
        if (kind === 'permanent' || (kind === 'retry' && retry.maxAttempts > 0 && ++retries >= retry.maxAttempts)) {
          const rec = await fail(m, resp.status, link.id, part, resp.command);
          metrics.messages.inc({ stage: 'sender', outcome: 'undeliverable' });
          log.warn({ smscId: link.id, status: resp.status, part, retries }, kind === 'permanent' ? 'permanent submit error' : 'submit retries used up');
          return { result: 'failed', journal: [...journal, rec] };
        }
        metrics.messages.inc({ stage: 'sender', outcome: `retry_${resp.status}` });
        throttled = kind === 'throttle';
        if (throttled) {
          // The link slows down everywhere (multiplicative decrease); the limiter paces the resend.
          if (limiter) await limiter.throttled().catch(() => undefined);
          metrics.messages.inc({ stage: 'sender', outcome: 'throttled_by_smsc' });
          if (limiter) continue;
        }
        if (kind === 'session') session.close(); // rebind, then resend
        await sleepUnless(Math.min(retry.maxMs, retry.minMs * 2 ** Math.min(attempt++, 20)), deps.signal);
      }
    }
    // The store moved the message to SUBMITTED with its last part's acknowledgement.
    metrics.messages.inc({ stage: 'sender', outcome: 'submitted' });
    metrics.latency.observe({ stage: 'sender' }, (Date.now() - m.at) / 1000);
    return { result: 'sent', journal };
  };

  /**
   * The SMSC accepted a part: its id must reach the store, or the receipt will find no message
   * and the part would be sent again on a redelivery. While Redis or the store is away the id
   * is kept here and the write retried (the entry is held meanwhile); only a shutdown gives up,
   * and then the id is in the log.
   */
  const keepSmscId = async (m: OutEntry, input: RecordSubmitInput): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await store.recordSubmit(m.id, input);
        return;
      } catch (err) {
        metrics.errors.inc({ kind: 'smsc_id_write' });
        if (attempt === 0 || deps.signal?.aborted) {
          logger.error({ msgId: m.id, smscId: input.smsc, smscMsgId: input.smscMsgId, part: input.part, err: (err as Error).message }, 'SMSC id not stored yet; retrying');
        }
        if (deps.signal?.aborted) throw err;
        await sleepUnless(Math.min(2_000, 50 * 2 ** Math.min(attempt, 6)), deps.signal);
      }
    }
  };

  const handleOne = async (e: StreamEntry): Promise<EntryOutcome> => {
    const out = await sendOne(e);
    return { ack: out.result !== 'retry' && out.result !== 'requeue', requeue: out.result === 'requeue', journal: out.journal };
  };

  /**
   * An acked entry's messages have ended (submitted, duplicate, failed, expired): they leave
   * their clients' backlogs — one ZREM per client per batch, not awaited, so it shares the round
   * trip of the consumer's XACK. If it is lost, the sweep drops the ids after their expiry.
   */
  const uncount = (entries: StreamEntry[], ack: string[]) => {
    if (!deps.backlog || !ack.length) return;
    const acked = new Set(ack);
    const ended = entries.filter((e) => acked.has(e.id)).flatMap((e) => messagesOfEntry(e.data)).filter((m) => !reinjected.delete(m.id));
    deps.backlog.remove(ended).catch((err) => {
      metrics.errors.inc({ kind: 'backlog_remove' });
      logger.warn({ err }, 'finished messages not removed from their client backlog; the sweep removes them');
    });
  };

  return async (entries, control) => {
    const res = await runBatch(entries, handleOne, {
      redis,
      journalStream: names.journal,
      control,
      onError: (err, e) => {
        metrics.errors.inc({ kind: 'sender' });
        logger.warn({ err, entryId: e.id }, 'send failed; entry stays pending');
      },
    });
    uncount(entries, res.ack);
    return res;
  };
}
