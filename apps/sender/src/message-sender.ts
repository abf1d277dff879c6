import { isFinalState, outEntrySchema, outGroupSchema, type DlrInFailure, type JournalEntry, type OutEntry, type StreamNames } from '@smsgw/contracts';
import { formatSmppTime, normaliseSmscMsgId, sendableUntil, type SmscIdFormat } from '@smsgw/domain';
import type { AppMetrics, Logger, SmscTextConfig } from '@smsgw/platform';
import { runBatch, xaddEntry, type BatchHandler, type EntryOutcome, type RateLimiter, type Redis, type StreamEntry } from '@smsgw/redis';
import { createConcatRefs, STATUS, TLV, type Pdu, type SmppSession } from '@smsgw/smpp';
import type { MessageRecord, StateStore } from '@smsgw/store';
import type { SmscLink } from './smsc-link';
import { prepareParts } from './prepare-parts';
import { classifySubmitStatus } from './submit-errors';

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
  /** How long one message may wait for a bound session or keep retrying temporary errors. */
  maxRetryMs?: number;
  /** Each SMSC's own cap on a message's age (smscs[].maxAgeMs): older messages end EXPIRED. */
  maxAgeMs?: Map<string, number>;
}

/** The link and session a group of parts sticks to. */
type Pin = { link?: SmscLink; session?: SmppSession };

type Outcome = { result: 'sent' | 'failed' | 'duplicate' | 'retry'; journal?: JournalEntry[] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One batch of `out:<pool>`: each message is claimed with a lease (a redelivered entry of a
 * message already sent is acked without a second submit), split into parts, submitted part by
 * part on one session in order, and each SMSC message id is stored before the entry is acked.
 */
export function createMessageSender(deps: MessageSenderDeps): BatchHandler {
  const { redis, store, names, metrics, logger } = deps;
  const leaseMs = deps.leaseMs ?? 120_000;
  const maxRetryMs = deps.maxRetryMs ?? 60_000;
  const refs = createConcatRefs();
  let rr = 0;
  const leaseKey = (id: string) => `${deps.prefix}:lease:{${id}}`;
  const sentAlready = (rec: MessageRecord | null) => !!rec && (rec.state === 'SUBMITTED' || isFinalState(rec.state));

  const chooseLink = (m: OutEntry): SmscLink | undefined => {
    const candidates = m.smscs.map((id) => deps.links.get(id)).filter((l): l is SmscLink => !!l);
    const boundLinks = candidates.filter((l) => l.boundCount > 0);
    const list = boundLinks.length ? boundLinks : candidates;
    return list.length ? list[rr++ % list.length] : undefined;
  };

  /** The validity ran out before the message (or its next part) went: EXPIRED, never sent after. */
  const expire = async (m: OutEntry, part: number, smsc: string | undefined): Promise<Outcome> => {
    const at = Date.now();
    const failure: DlrInFailure = { k: 'fail', id: m.id, sys: m.sys, src: m.src, dst: m.dst, state: 'EXPIRED', err: 0, reason: 'validity expired before it was submitted', at };
    await xaddEntry(redis, names.dlrIn, failure);
    metrics.messages.inc({ stage: 'sender', outcome: 'expired' });
    logger.info({ msgId: m.id, smscId: smsc, part }, 'message expired before it was submitted');
    return { result: 'failed' };
  };

  const fail = async (m: OutEntry, status: number, smsc: string, part: number) => {
    const at = Date.now();
    const failure: DlrInFailure = { k: 'fail', id: m.id, sys: m.sys, src: m.src, dst: m.dst, state: 'FAILED', err: status, reason: `submit_sm_resp status 0x${status.toString(16)}`, at };
    await xaddEntry(redis, names.dlrIn, failure);
    const rec: JournalEntry = {
      ts: at, ev: 'submit_failed', id: m.id, sys: m.sys, smsc, part, err: status, dst: m.dst.norm,
    };
    return rec;
  };

  const sendOne = async (e: StreamEntry): Promise<Outcome> => {
    if ((e.data as { k?: string } | undefined)?.k === 'group') return sendGroup(e);
    const parsed = outEntrySchema.safeParse(e.data);
    if (!parsed.success) return malformed(e);
    return sendMessage(parsed.data, e.deliveries);
  };

  const malformed = async (e: StreamEntry): Promise<Outcome> => {
    await redis.xadd(names.dead, '*', 'd', JSON.stringify({ id: e.id, error: 'malformed', data: e.data }));
    metrics.errors.inc({ kind: 'malformed_entry' });
    return { result: 'failed' };
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
      if (out.result === 'retry') return { result: 'retry' };
    }
    return { result: 'sent', journal };
  };

  const sendMessage = async (m: OutEntry, deliveries: number, pin?: Pin): Promise<Outcome> => {
    const got = await redis.set(leaseKey(m.id), 'sending', 'PX', leaseMs, 'NX');
    if (got === null) {
      // Claimed already: by a sender still at work (retry later), or the message went out.
      return { result: sentAlready(await store.get(m.id)) ? 'duplicate' : 'retry' };
    }
    try {
      return await sendClaimed(m, deliveries, pin);
    } catch (err) {
      // Let the next delivery of this entry claim it again at once.
      await redis.del(leaseKey(m.id)).catch(() => undefined);
      throw err;
    }
  };

  const sendClaimed = async (m: OutEntry, deliveries: number, pin?: Pin): Promise<Outcome> => {
    // Bound only on the rare paths that log: a child logger per message costs on the hot path.
    const log = { warn: (o: object, msg: string) => logger.warn({ msgId: m.id, ...o }, msg) };
    // The lease is never turned into a "done" marker (a write per message): a copy of this
    // message seen while the lease lives hits the branch above; a copy seen after the lease
    // expired is necessarily older than leaseMs (the first copy was claimed after acceptance),
    // so old or redelivered entries consult the store, which knows what the SMSC acknowledged.
    const suspect = deliveries > 1 || Date.now() - m.at > leaseMs / 2;
    const known = suspect ? await store.get(m.id) : null;
    if (sentAlready(known)) return { result: 'duplicate' };
    // The parts of a group all go over the link (and session) its first part took.
    let link = pin?.link ?? chooseLink(m);
    if (pin) pin.link = link;
    // Parts are made for the chosen SMSC's text options; references rotate per destination.
    const prepared = prepareParts(m, refs.next(m.dst.norm), link && deps.text?.get(link.id));
    const parts = prepared.parts.length;
    // Its validity (capped by this SMSC's maximum age) bounds every wait below.
    const until = sendableUntil(m, link && deps.maxAgeMs?.get(link.id));
    const deadline = Math.min(Date.now() + maxRetryMs, until);
    // The SMSC gets the validity left, as an absolute time, when the client gave one.
    const validity = m.vp ? (Number.isFinite(until) ? formatSmppTime(until) : m.vp) : '';
    const journal: JournalEntry[] = [];
    for (let part = 0; part < parts; part++) {
      if (known?.smscIds[part]) continue;
      let attempt = 0;
      let throttled = false;
      // Tokens are segments: in payload mode the one part carries them all.
      const tokens = part === 0 ? Math.max(1, prepared.segments - (parts - 1)) : 1;
      for (;;) {
        if (Date.now() >= until) return expire(m, part, link?.id);
        // Past the deadline (no bound session, or temporary errors / in-doubt submits all along)
        // the message goes back to the stream: retried later, never failed for it.
        if (Date.now() > deadline || !link || !(await link.waitBound(Math.max(0, deadline - Date.now())))) {
          if (Date.now() >= until) return expire(m, part, link?.id);
          await redis.del(leaseKey(m.id));
          log.warn({ smscs: m.smscs, part }, 'message not sent in time: it waits in the stream');
          return { result: 'retry' };
        }
        const session = pin?.session && !pin.session.closed && pin.link === link ? pin.session : link.pick();
        if (pin) pin.session = session;
        if (!session) {
          await sleep(10); // a session closing right now: its close event is on its way
          continue;
        }
        const limiter = deps.limiters.get(link.id);
        // A part the SMSC throttled goes again before newer messages (no queueing behind them).
        const poolLimiter = deps.poolLimiters?.get(m.pool);
        if (limiter) await limiter.take(tokens, throttled);
        if (poolLimiter) await poolLimiter.take(tokens, throttled);
        if (deps.globalLimiter) await deps.globalLimiter.take(tokens, throttled);
        const body = prepared.parts[part];
        const pdu: Partial<Pdu> & { command: 'submit_sm' } = {
          command: 'submit_sm',
          source_addr_ton: m.src.ton, source_addr_npi: m.src.npi, source_addr: m.src.addr,
          dest_addr_ton: m.dst.ton, dest_addr_npi: m.dst.npi, destination_addr: m.dst.addr,
          esm_class: prepared.esmClass, protocol_id: m.pid, priority_flag: m.pri,
          validity_period: validity,
          registered_delivery: 1, // we always want the SMSC's receipt: it ends the lifecycle
          data_coding: prepared.dataCoding,
          short_message: body.length <= 254 ? body : Buffer.alloc(0),
          tlvs: [...(prepared.tlvs?.[part] ?? []), ...(body.length <= 254 ? [] : [{ tag: TLV.message_payload, value: body }])],
        };
        let resp: Pdu;
        try {
          resp = await session.request(pdu);
        } catch (err) {
          // Timeout or a dropped session: the submit is in doubt; resend on a recovered session.
          metrics.errors.inc({ kind: 'submit_in_doubt' });
          log.warn({ err: (err as Error).message, smscId: link.id, part }, 'submit in doubt; resending');
          attempt++;
          continue;
        }
        if (resp.status === STATUS.ESME_ROK && resp.command === 'submit_sm_resp') {
          const smscMsgId = normaliseSmscMsgId(resp.message_id ?? '', deps.idFormats?.get(link.id));
          await store.recordSubmit(m.id, { part, parts, smsc: link.id, smscMsgId, at: Date.now(), segments: prepared.segments });
          journal.push({
            ts: Date.now(), ev: 'submitted', id: m.id, sys: m.sys, dst: m.dst.norm, smsc: link.id, part, seg: prepared.segments, dc: prepared.dataCoding, smscMsgId,
            latencyMs: Date.now() - m.at,
          });
          metrics.messages.inc({ stage: 'sender', outcome: 'part_submitted' });
          break;
        }
        const kind = classifySubmitStatus(resp.status, resp.command);
        if (kind === 'permanent') {
          const rec = await fail(m, resp.status, link.id, part);
          metrics.messages.inc({ stage: 'sender', outcome: 'failed' });
          log.warn({ smscId: link.id, status: resp.status, part }, 'permanent submit error');
          return { result: 'failed', journal: [...journal, rec] };
        }
        if (kind === 'session') session.close(); // rebind, then resend
        metrics.messages.inc({ stage: 'sender', outcome: `retry_${resp.status}` });
        throttled = resp.status === STATUS.ESME_RTHROTTLED || resp.status === STATUS.ESME_RMSGQFUL;
        if (throttled && limiter) {
          // The link slows down everywhere (multiplicative decrease); the limiter paces the resend.
          await limiter.throttled().catch(() => undefined);
          metrics.messages.inc({ stage: 'sender', outcome: 'throttled_by_smsc' });
          continue;
        }
        await sleep(Math.min(5_000, 50 * 2 ** Math.min(attempt++, 7)));
      }
    }
    // The store moved the message to SUBMITTED with its last part's acknowledgement.
    metrics.messages.inc({ stage: 'sender', outcome: 'submitted' });
    metrics.latency.observe({ stage: 'sender' }, (Date.now() - m.at) / 1000);
    return { result: 'sent', journal };
  };

  const handleOne = async (e: StreamEntry): Promise<EntryOutcome> => {
    const out = await sendOne(e);
    return { ack: out.result !== 'retry', journal: out.journal };
  };

  return (entries) =>
    runBatch(entries, handleOne, {
      redis,
      journalStream: names.journal,
      onError: (err, e) => {
        metrics.errors.inc({ kind: 'sender' });
        logger.warn({ err, entryId: e.id }, 'send failed; entry stays pending');
      },
    });
}
