import { randomUUID } from 'node:crypto';
import type { InEntry } from '@smsgw/contracts';
import { messageExpiry, normaliseAddress, parseSmppTime } from '@smsgw/domain';
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
  now?: () => number;
  newId?: () => string;
}

const MAX_MESSAGE_OCTETS = 255 * 134;

const DEFAULT_MAX_AGE_MS = 48 * 3_600_000;

/**
 * Builds the `in` entry of a submit_sm, or the error status its fields call for. The times of
 * schedule_delivery_time and validity_period (§7.1.1) become `due` and `exp` (ms): a validity
 * already past, or a schedule after it, is refused; `exp` is the validity capped by `maxAgeMs`
 * from acceptance or from the schedule.
 */
export function validateSubmit(pdu: Pdu, sys: string, id: string, at: number, maxAgeMs = DEFAULT_MAX_AGE_MS): { entry: InEntry } | SubmitOutcome {
  const src = normaliseAddress(pdu.source_addr_ton ?? 0, pdu.source_addr ?? '', 'source');
  if (!src.ok) return { status: STATUS.ESME_RINVSRCADR, reason: src.reason };
  const dst = normaliseAddress(pdu.dest_addr_ton ?? 0, pdu.destination_addr ?? '', 'destination');
  if (!dst.ok) return { status: STATUS.ESME_RINVDSTADR, reason: dst.reason };
  const sched = pdu.schedule_delivery_time ?? '';
  const due = sched ? parseSmppTime(sched, at) : undefined;
  if (due && !due.ok) return { status: STATUS.ESME_RINVSCHED, reason: `bad schedule_delivery_time: ${due.reason}` };
  const vp = pdu.validity_period ?? '';
  const validity = vp ? parseSmppTime(vp, at) : undefined;
  if (validity && !validity.ok) return { status: STATUS.ESME_RINVEXPIRY, reason: `bad validity_period: ${validity.reason}` };
  if (validity?.ok && validity.at <= at) return { status: STATUS.ESME_RINVEXPIRY, reason: 'validity_period already passed' };
  if (validity?.ok && due?.ok && due.at >= validity.at) return { status: STATUS.ESME_RINVSCHED, reason: 'schedule_delivery_time is not before validity_period' };
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
  // A schedule in the past is "now" (§4.4.1: deliver immediately).
  if (due?.ok && due.at > at) entry.due = due.at;
  entry.exp = messageExpiry({ at, due: entry.due, validity: validity?.ok ? validity.at : undefined, maxAgeMs });
  // A client-concatenated part (SAR TLVs): kept so the parts can be grouped and sent in order.
  const ref = getTlv(pdu, TLV.sar_msg_ref_num);
  const total = getTlv(pdu, TLV.sar_total_segments);
  const seq = getTlv(pdu, TLV.sar_segment_seqnum);
  if (ref?.length === 2 && total?.length === 1 && seq?.length === 1) entry.sar = { ref: ref.readUInt16BE(0), total: total[0], seq: seq[0] };
  return { entry };
}

/**
 * submit_sm → UUID → XADD to `in` → ESME_ROK with the UUID, in that order: ROK is never sent
 * before Redis answered. Redis away, a stream over its bound or the client over its own
 * maxBacklog → ESME_RMSGQFUL; a client over its submit rate → ESME_RTHROTTLED.
 */
export function createSubmitHandler(deps: SubmitHandlerDeps): (pdu: Pdu, sys: string) => Promise<SubmitOutcome> {
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? randomUUID;
  return async (pdu, sys) => {
    const v = validateSubmit(pdu, sys, newId(), now(), deps.maxAgeMs?.(sys));
    if (!('entry' in v)) return v;
    if (deps.backlogFull()) return { status: STATUS.ESME_RMSGQFUL, reason: 'a stream is over its backlog bound' };
    // Its own queue full: this client waits, the others keep flowing (no rate token taken).
    if (deps.clientFull?.(sys)) return { status: STATUS.ESME_RMSGQFUL, reason: 'client over its backlog bound (clients[].maxBacklog)' };
    // Over its own rate: refused at once, nothing queued (SMPP.md: ESME_RTHROTTLED).
    const allowed = deps.allow?.(sys) ?? true;
    if (allowed !== true && !(await allowed)) return { status: STATUS.ESME_RTHROTTLED, reason: 'client over its submit rate' };
    try {
      await deps.enqueue(v.entry);
    } catch (err) {
      return { status: STATUS.ESME_RMSGQFUL, reason: `queue unavailable: ${(err as Error).message}` };
    }
    return { status: STATUS.ESME_ROK, messageId: v.entry.id };
  };
}
