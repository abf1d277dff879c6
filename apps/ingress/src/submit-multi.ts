import { randomUUID } from 'node:crypto';
import type { InEntry } from '@smsgw/contracts';
import { endWithStatus, SPAN_ATTR, type Logger, type StageSpan } from '@smsgw/platform';
import { STATUS, type MultiDestination, type Pdu, type UnsuccessSme } from '@smsgw/smpp';
import { admitSubmit, validateSubmit, type AdmissionDeps, type SubmitHandlerDeps, type SubmitOutcome } from './submit-handler';

/** A submit_multi's answer: the client's message_id (`cid`) and the destinations refused at ingress. */
export type SubmitMultiOutcome = SubmitOutcome & {
  /** §4.5.2 unsuccess_sme: each refused destination with its status, in the order they came. */
  unsuccess?: UnsuccessSme[];
  /** How many messages went to `in` (one per distinct destination). */
  accepted?: number;
};

export interface SubmitMultiDeps extends Omit<SubmitHandlerDeps, 'enqueue' | 'allow'>, AdmissionDeps {
  /** Durably appends every entry to `in`, all or none (one transaction); resolves once Redis answered. */
  enqueueAll: (entries: InEntry[]) => Promise<unknown>;
  /**
   * Remembers which messages the cid stands for (multi-ids.ts), until `expiresAt` (ms since
   * epoch): query_sm and cancel_sm by the cid find them. Absent: the cid names no message there.
   */
  recordIds?: (sys: string, cid: string, ids: string[], expiresAt: number) => Promise<unknown>;
  logger?: Logger;
}

/** The validity of a message without `exp` (validateSubmit always sets one): the default cap. */
const FALLBACK_AGE_MS = 48 * 3_600_000;

/**
 * The statuses validateSubmit gives for a destination address (§5.1.3): they concern that
 * destination alone. Every other status comes from a field all destinations share (source,
 * esm_class, times, text…), so it refuses the whole submit_multi.
 */
const DESTINATION_STATUSES: ReadonlySet<number> = new Set([STATUS.ESME_RINVDSTADR, STATUS.ESME_RINVDSTTON, STATUS.ESME_RINVDSTNPI]);

/** One SME destination of a submit_multi (§4.5.1) as the submit_sm it stands for: same fields and TLVs, its own address. */
export function destinationAsSubmit(pdu: Pdu, d: Extract<MultiDestination, { dest_flag: 1 }>): Pdu {
  const { dest_addresses: _all, ...fields } = pdu;
  return { ...fields, command: 'submit_sm', dest_addr_ton: d.dest_addr_ton, dest_addr_npi: d.dest_addr_npi, destination_addr: d.destination_addr };
}

/**
 * When nothing is left to send there is no message for a message_id to name, so the answer is
 * not ESME_ROK (a client would wait for receipts that never come). §4.5.2 has no status for
 * "every destination failed": the one they all failed with when they agree (ESME_RINVDSTADR for
 * bad numbers, ESME_RINVDLNAME when only lists were given), else ESME_RINVDSTADR — none of them
 * was an SME address this gateway can send to. The unsuccess list goes along, so the client
 * still sees each destination's own status.
 */
function noneLeftStatus(unsuccess: UnsuccessSme[]): number {
  const first = unsuccess[0]?.error_status_code ?? STATUS.ESME_RINVDSTADR;
  return unsuccess.every((u) => u.error_status_code === first) ? first : STATUS.ESME_RINVDSTADR;
}

/**
 * submit_multi (§4.5) → one message per distinct SME destination, each with its own UUID, `in`
 * entry, policy decision and receipt, all under one client message_id (`cid`) → all entries to
 * `in` in one transaction, and the cid's ids beside them (`recordIds`) → ESME_ROK with `cid` and
 * the unsuccess list. Nothing is answered before Redis did, and either every destination is
 * queued or none is.
 * - A destination whose address fails (ESME_RINVDSTADR…) goes into unsuccess_sme with its status.
 * - A distribution list (dest_flag 2) goes into unsuccess_sme with ESME_RINVDLNAME: this gateway
 *   keeps no lists, so no name can be resolved.
 * - A status of the message itself (schedule, validity, esm_class, text…) refuses it whole.
 * - Admission (backlog bounds, the client's rate: one token per message) refuses it whole.
 */
export function createSubmitMultiHandler(deps: SubmitMultiDeps): (pdu: Pdu, sys: string) => Promise<SubmitMultiOutcome> {
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? randomUUID;
  const traceEach = (entries: InEntry[], sys: string, cid: string): StageSpan[] =>
    entries.flatMap((e) => {
      const span = deps.tracing!.root('ingress submit_multi', 'server', { [SPAN_ATTR.messageId]: e.id, [SPAN_ATTR.clientMessageId]: cid, [SPAN_ATTR.client]: sys });
      if (!span) return [];
      e.tp = span.tp;
      return [span];
    });

  const queue = async (entries: InEntry[], sys: string, cid: string, unsuccess: UnsuccessSme[]): Promise<SubmitMultiOutcome> => {
    const refused = await admitSubmit(deps, sys, entries.length);
    if (refused) return refused;
    // The ids go with the entries, concurrently (no extra round trip): both are written before
    // the ROK, so a query_sm by the cid right after it finds them. If only the entries failed,
    // the ids are left to expire: the cid was never given out, so nothing can ask for them.
    const expiresAt = Math.max(...entries.map((e) => e.exp ?? e.at + FALLBACK_AGE_MS));
    const [queued, recorded] = await Promise.allSettled([deps.enqueueAll(entries), deps.recordIds?.(sys, cid, entries.map((e) => e.id), expiresAt)]);
    if (queued.status === 'rejected') return { status: STATUS.ESME_RMSGQFUL, reason: `queue unavailable: ${(queued.reason as Error).message}` };
    // The messages are queued: refusing now would invite the client to send them all again.
    // Only the cid's lookup is lost (query_sm/cancel_sm by it answer as for an unknown id).
    if (recorded.status === 'rejected') {
      deps.logger?.warn({ err: (recorded.reason as Error).message, systemId: sys, msgId: cid }, 'submit_multi ids not recorded; query_sm/cancel_sm by its message_id will fail');
    }
    return { status: STATUS.ESME_ROK, messageId: cid, unsuccess, accepted: entries.length };
  };

  return async (pdu, sys) => {
    const at = now();
    const maxAgeMs = deps.maxAgeMs?.(sys);
    const addressing = deps.addressing?.(sys);
    const cid = newId();
    const entries: InEntry[] = [];
    const unsuccess: UnsuccessSme[] = [];
    const taken = new Set<string>();
    for (const d of pdu.dest_addresses ?? []) {
      if (d.dest_flag === 2) {
        // §4.5.2.1 names a failed destination by address: a list by its name, TON/NPI 0.
        unsuccess.push({ dest_addr_ton: 0, dest_addr_npi: 0, destination_addr: d.dl_name, error_status_code: STATUS.ESME_RINVDLNAME });
        continue;
      }
      const v = validateSubmit(destinationAsSubmit(pdu, d), sys, newId(), at, maxAgeMs, addressing);
      if ('entry' in v) {
        // The same number twice (as normalised: "+4477…" and "004477…" alike) is one message:
        // the handset would get the text twice and the client two receipts it cannot tell apart.
        // The repeat is neither sent nor listed as unsuccessful: it is covered by the first.
        if (taken.has(v.entry.dst.norm)) continue;
        taken.add(v.entry.dst.norm);
        entries.push({ ...v.entry, cid });
      } else if (DESTINATION_STATUSES.has(v.status)) {
        unsuccess.push({ dest_addr_ton: d.dest_addr_ton, dest_addr_npi: d.dest_addr_npi, destination_addr: d.destination_addr, error_status_code: v.status });
      } else {
        return v;
      }
    }
    if (!entries.length) return { status: noneLeftStatus(unsuccess), reason: 'no destination left to send to', unsuccess };
    // One trace per destination (each its own message), all ending with the one answer.
    if (!deps.tracing) return queue(entries, sys, cid, unsuccess);
    const spans = traceEach(entries, sys, cid);
    let out: SubmitMultiOutcome | undefined;
    try {
      out = await queue(entries, sys, cid, unsuccess);
      return out;
    } finally {
      for (const s of spans) endWithStatus(s, out?.status, out?.reason);
    }
  };
}
