import { randomUUID } from 'node:crypto';
import type { InEntry } from '@smsgw/contracts';
import { messageExpiry, normaliseAddress, parseSmppTime, type AddressOptions } from '@smsgw/domain';
import { endWithStatus, SPAN_ATTR, type Tracing } from '@smsgw/platform';
import { getTlv, TLV, STATUS, type Pdu } from '@smsgw/smpp';

export type SubmitOutcome = { status: number; messageId?: string; reason?: string };

export interface SubmitHandlerDeps {
  /** Durably appends the entry to `in`; resolves only once Redis answered (ack means durable). */
  enqueue: (entry: InEntry) => Promise<unknown>;
  /** True while `in` or the journal holds more unprocessed entries than its bound. */
  backlogFull: () => boolean;
  /** True while this client has more messages in flight than its clients[].maxBacklog. */
  clientFull?: (sys: string) => boolean;
  /** Per-client submit rate (L1+L2 limiter): false → the client is over its rate. */
  allow?: (sys: string) => boolean | Promise<boolean>;
  /** How long a client's messages may wait: default and cap of their validity (delivery.maxAgeMs). */
  maxAgeMs?: (sys: string) => number;
  /** How a client writes national numbers (clients[].defaultCountryCode, trunkPrefix); absent: kept as sent. */
  addressing?: (sys: string) => AddressOptions | undefined;
  /** replace_if_present_flag: replaces the client's queued message like this one; its id, or undefined when none. */
  replaceIfPresent?: (entry: InEntry) => Promise<string | undefined>;
  /** tracing.enabled: a sampled message's trace starts here and its `in` entry carries it (`tp`). */
  tracing?: Tracing;
  now?: () => number;
  newId?: () => string;
}

const MAX_MESSAGE_OCTETS = 255 * 134;

const DEFAULT_MAX_AGE_MS = 48 * 3_600_000;

/** §5.2.12 message type (bits 5–2) a submit_sm may carry: default, ESME delivery ack, ESME manual/user ack. */
const SUBMIT_MESSAGE_TYPES = new Set([0x00, 0x08, 0x10]);
const MESSAGE_TYPE_MASK = 0x3c;

/**
 * data_coding values §5.2.19 leaves reserved: 0x0B, 0x0C, 0x0F–0xBF and 0xE0–0xEF. They name no
 * alphabet, so no SMSC or handset can render them, and the gateway would pass the octets on
 * blind. Every defined value stays accepted: 0x00/0x01/0x03/0x08 are re-encoded, the 8-bit,
 * national (JIS, Cyrillic, Hebrew, pictogram, ISO-2022-JP, Kanji, KS C 5601), MWI (0xC0–0xDF)
 * and message-class (0xF0–0xFF) ones go to the SMSC as they came.
 */
function reservedDataCoding(dc: number): boolean {
  return dc === 0x0b || dc === 0x0c || (dc >= 0x0f && dc <= 0xbf) || (dc >= 0xe0 && dc <= 0xef);
}

const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

/**
 * registered_delivery (§5.2.17) of submit_sm, data_sm and replace_sm: bits 1–0 receipt (11
 * reserved), 3–2 SME acknowledgement, 4 intermediate notification, 7–5 reserved. §5.1.3 has a
 * status for exactly this: ESME_RINVREGDLVFLG.
 */
export function checkRegisteredDelivery(rd: number): SubmitOutcome | undefined {
  if ((rd & 0x03) === 0x03) return { status: STATUS.ESME_RINVREGDLVFLG, reason: `registered_delivery ${hex(rd)}: receipt value 3 is reserved` };
  if ((rd & 0xe0) !== 0) return { status: STATUS.ESME_RINVREGDLVFLG, reason: `registered_delivery ${hex(rd)}: bits 7–5 are reserved` };
  return undefined;
}

/**
 * The one-octet flags of submit_sm (§4.4.1), in PDU order, checked after the addresses and
 * before the times: the first one out of its range decides the status. protocol_id is network
 * specific (GSM 03.40 TP-PID) and left alone.
 */
function checkFlags(pdu: Pdu): SubmitOutcome | undefined {
  const esm = pdu.esm_class ?? 0;
  // §5.2.12: bits 1–0 (messaging mode) and 7–6 (UDHI 0x40, reply path 0x80) take any value;
  // bits 5–2 a type an ESME may submit; 0x04 (delivery receipt) and the rest are the SMSC's or reserved.
  if (!SUBMIT_MESSAGE_TYPES.has(esm & MESSAGE_TYPE_MASK)) return { status: STATUS.ESME_RINVESMCLASS, reason: `esm_class ${hex(esm)}: message type ${hex(esm & MESSAGE_TYPE_MASK)} is not one an ESME submits` };
  // §5.2.14: 0 (lowest) to 3 (highest); above is reserved.
  const pri = pdu.priority_flag ?? 0;
  if (pri > 3) return { status: STATUS.ESME_RINVPRTFLG, reason: `priority_flag ${pri} is reserved (0–3)` };
  const rd = checkRegisteredDelivery(pdu.registered_delivery ?? 0);
  if (rd) return rd;
  // §5.2.18: 0 don't replace, 1 replace.
  const rep = pdu.replace_if_present_flag ?? 0;
  if (rep > 1) return { status: STATUS.ESME_RINVREPFLAG, reason: `replace_if_present_flag ${rep} is reserved (0–1)` };
  // §5.1.3 (v3.4) has no data_coding status (v5.0's ESME_RINVDCS 0x104 is not a code a v3.4
  // client knows): ESME_RSUBMITFAIL, the v3.4 "submit_sm failed", with the reason in our log.
  const dc = pdu.data_coding ?? 0;
  if (reservedDataCoding(dc)) return { status: STATUS.ESME_RSUBMITFAIL, reason: `data_coding ${hex(dc)} is reserved (§5.2.19)` };
  return undefined;
}

/**
 * schedule_delivery_time and validity_period (§7.1.1) of a submit_sm or replace_sm as times (ms),
 * or the status they call for: a field that is no real time, a validity already past, or a
 * schedule not before the validity.
 */
export function submitTimes(pdu: Pdu, at: number): { vp: string; due?: number; validity?: number } | SubmitOutcome {
  const sched = pdu.schedule_delivery_time ?? '';
  const due = sched ? parseSmppTime(sched, at) : undefined;
  if (due && !due.ok) return { status: STATUS.ESME_RINVSCHED, reason: `bad schedule_delivery_time: ${due.reason}` };
  const vp = pdu.validity_period ?? '';
  const validity = vp ? parseSmppTime(vp, at) : undefined;
  if (validity && !validity.ok) return { status: STATUS.ESME_RINVEXPIRY, reason: `bad validity_period: ${validity.reason}` };
  if (validity?.ok && validity.at <= at) return { status: STATUS.ESME_RINVEXPIRY, reason: 'validity_period already passed' };
  if (validity?.ok && due?.ok && due.at >= validity.at) return { status: STATUS.ESME_RINVSCHED, reason: 'schedule_delivery_time is not before validity_period' };
  return { vp, due: due?.ok ? due.at : undefined, validity: validity?.ok ? validity.at : undefined };
}

/**
 * Builds the `in` entry of a submit_sm, or the error status its fields call for. The times of
 * schedule_delivery_time and validity_period (§7.1.1) become `due` and `exp` (ms): a validity
 * already past, or a schedule after it, is refused; `exp` is the validity capped by `maxAgeMs`
 * from acceptance or from the schedule. With the client's `addressing`, national numbers become
 * E.164 in `norm` (the form the policy checks and the sender builds the SMSC's addresses from).
 */
export function validateSubmit(pdu: Pdu, sys: string, id: string, at: number, maxAgeMs = DEFAULT_MAX_AGE_MS, addressing?: AddressOptions): { entry: InEntry } | SubmitOutcome {
  const src = normaliseAddress(pdu.source_addr_ton ?? 0, pdu.source_addr ?? '', 'source', addressing);
  if (!src.ok) return { status: STATUS.ESME_RINVSRCADR, reason: src.reason };
  const dst = normaliseAddress(pdu.dest_addr_ton ?? 0, pdu.destination_addr ?? '', 'destination', addressing);
  if (!dst.ok) return { status: STATUS.ESME_RINVDSTADR, reason: dst.reason };
  const flags = checkFlags(pdu);
  if (flags) return flags;
  const times = submitTimes(pdu, at);
  if ('status' in times) return times;
  const { vp, due, validity } = times;
  const sm = pdu.short_message ?? Buffer.alloc(0);
  const payload = getTlv(pdu, TLV.message_payload);
  // §5.3.2.32: with message_payload present, sm_length must be 0.
  if (payload && sm.length > 0) return { status: STATUS.ESME_RINVMSGLEN, reason: 'short_message and message_payload both set' };
  const body = payload ?? sm;
  // More than a concatenation can number (255 parts of 134 octets) can never be sent: refused
  // here rather than accepted and failed later.
  if (body.length > MAX_MESSAGE_OCTETS) return { status: STATUS.ESME_RINVMSGLEN, reason: `message longer than ${MAX_MESSAGE_OCTETS} octets` };
  const dc = pdu.data_coding ?? 0;
  if (dc === 0x08 && body.length % 2 !== 0) return { status: STATUS.ESME_RINVMSGLEN, reason: 'UCS-2 text of odd length' };
  const entry: InEntry = {
    v: 1,
    id,
    sys,
    src: { ton: pdu.source_addr_ton ?? 0, npi: pdu.source_addr_npi ?? 0, addr: pdu.source_addr ?? '', norm: src.norm },
    dst: { ton: pdu.dest_addr_ton ?? 0, npi: pdu.dest_addr_npi ?? 0, addr: pdu.destination_addr ?? '', norm: dst.norm },
    dc,
    esm: pdu.esm_class ?? 0,
    rd: pdu.registered_delivery ?? 0,
    pid: pdu.protocol_id ?? 0,
    pri: pdu.priority_flag ?? 0,
    sm: body.toString('base64'),
    at,
  };
  if (vp) entry.vp = vp;
  if (pdu.service_type) entry.svc = pdu.service_type;
  // A schedule in the past is "now" (§4.4.1: deliver immediately).
  if (due !== undefined && due > at) entry.due = due;
  entry.exp = messageExpiry({ at, due: entry.due, validity, maxAgeMs });
  // A client-concatenated part (SAR TLVs): kept so the parts can be grouped and sent in order.
  const ref = getTlv(pdu, TLV.sar_msg_ref_num);
  const total = getTlv(pdu, TLV.sar_total_segments);
  const seq = getTlv(pdu, TLV.sar_segment_seqnum);
  if (ref?.length === 2 && total?.length === 1 && seq?.length === 1) entry.sar = { ref: ref.readUInt16BE(0), total: total[0], seq: seq[0] };
  return { entry };
}

/** What admission asks of the gateway; `allow` takes `n` rate tokens at once (default 1). */
export interface AdmissionDeps {
  backlogFull: () => boolean;
  clientFull?: (sys: string) => boolean;
  allow?: (sys: string, n: number) => boolean | Promise<boolean>;
}

/**
 * The checks between valid messages and their XADD, for `n` messages of one client at once
 * (a submit_multi: one per destination). Undefined when they may be queued; else the status
 * that refuses all of them: a stream over its bound or the client over its own maxBacklog →
 * ESME_RMSGQFUL; fewer than `n` rate tokens → ESME_RTHROTTLED (none is taken then).
 */
export async function admitSubmit(deps: AdmissionDeps, sys: string, n = 1): Promise<SubmitOutcome | undefined> {
  if (deps.backlogFull()) return { status: STATUS.ESME_RMSGQFUL, reason: 'a stream is over its backlog bound' };
  // Its own queue full: this client waits, the others keep flowing (no rate token taken).
  if (deps.clientFull?.(sys)) return { status: STATUS.ESME_RMSGQFUL, reason: 'client over its backlog bound (clients[].maxBacklog)' };
  // Over its own rate: refused at once, nothing queued (SMPP.md: ESME_RTHROTTLED).
  const allowed = deps.allow?.(sys, n) ?? true;
  if (allowed !== true && !(await allowed)) return { status: STATUS.ESME_RTHROTTLED, reason: 'client over its submit rate' };
  return undefined;
}

/**
 * submit_sm → UUID → XADD to `in` → ESME_ROK with the UUID, in that order: ROK is never sent
 * before Redis answered. With replace_if_present_flag, a queued message of the client with the
 * same source, destination and service_type is replaced instead, and its id is the answer. Redis away, a stream over its bound or the client over its own
 * maxBacklog → ESME_RMSGQFUL; a client over its submit rate → ESME_RTHROTTLED.
 */
export function createSubmitHandler(deps: SubmitHandlerDeps): (pdu: Pdu, sys: string) => Promise<SubmitOutcome> {
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? randomUUID;
  const queue = async (pdu: Pdu, sys: string, entry: InEntry): Promise<SubmitOutcome> => {
    const refused = await admitSubmit(deps, sys);
    if (refused) return refused;
    try {
      const replaced = pdu.replace_if_present_flag === 1 ? await deps.replaceIfPresent?.(entry) : undefined;
      if (replaced) return { status: STATUS.ESME_ROK, messageId: replaced };
      await deps.enqueue(entry);
    } catch (err) {
      return { status: STATUS.ESME_RMSGQFUL, reason: `queue unavailable: ${(err as Error).message}` };
    }
    return { status: STATUS.ESME_ROK, messageId: entry.id };
  };
  return async (pdu, sys) => {
    const v = validateSubmit(pdu, sys, newId(), now(), deps.maxAgeMs?.(sys), deps.addressing?.(sys));
    if (!('entry' in v)) return v;
    // The trace starts once the message has its UUID: a refused PDU has no message to follow.
    const span = deps.tracing?.root('ingress submit_sm', 'server', { [SPAN_ATTR.messageId]: v.entry.id, [SPAN_ATTR.client]: sys });
    if (!span) return queue(pdu, sys, v.entry);
    v.entry.tp = span.tp;
    let out: SubmitOutcome | undefined;
    try {
      out = await queue(pdu, sys, v.entry);
      return out;
    } finally {
      endWithStatus(span, out?.status, out?.reason);
    }
  };
}
