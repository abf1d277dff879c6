import { entryAddressOfNorm, smscAddress } from '@smsgw/domain';
import type { Logger, SmscTextConfig } from '@smsgw/platform';
import { createSmscOpsServer, type Redis, type SmscOp, type SmscOpReply } from '@smsgw/redis';
import { STATUS, type Pdu, type PduInit } from '@smsgw/smpp';
import { replacementText } from './replace-text';
import type { SmscLink } from './smsc-link';

export interface SmscOpsWorkerDeps {
  redis: Redis;
  prefix: string;
  links: Map<string, SmscLink>;
  /** Text options of each SMSC: `gsmPacked` decides how a replacement's GSM text goes. */
  text?: Map<string, SmscTextConfig>;
  logger: Logger;
  /** How soon a request waiting for a newly bound SMSC is taken (default 1 s). */
  blockMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `p`'s outcome, or 'late' once `ms` pass or `signal` aborts (`p` may still settle, unobserved). */
function within<T>(p: Promise<T>, ms: number, signal: AbortSignal): Promise<T | 'late'> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', late);
    };
    const late = () => (done(), resolve('late'));
    const t = setTimeout(late, ms);
    signal.addEventListener('abort', late, { once: true });
    p.then((v) => (done(), resolve(v)), (err: unknown) => (done(), reject(err)));
  });
}

/**
 * Serves the ingress' cancel_sm (§4.9) and replace_sm (§4.10) of messages an SMSC holds already
 * (libs/redis smsc-ops.ts), on this sender's sessions: it takes requests only for SMSCs it has a
 * bound session to, and answers by the request's deadline. A cancel goes to the SMSC once per
 * part, each with that part's SMSC message id; it is ROK only when every part's is. A replace
 * goes only for a message sent as one part. Both name the message's addresses as the SMSC got
 * them (the link's addressFormat, as submit-pdu.ts writes them).
 */
export function createSmscOpsWorker(deps: SmscOpsWorkerDeps): { start(): void; close(): Promise<void> } {
  const { links, logger } = deps;

  /** One request to the SMSC on a bound session, answered by `deadline`; the failure `status` otherwise. */
  const send = async (link: SmscLink, pdu: PduInit, fail: number, deadline: number, signal: AbortSignal): Promise<SmscOpReply> => {
    for (;;) {
      const left = deadline - Date.now();
      if (signal.aborted) return { status: fail, reason: 'sender stopping' };
      if (left <= 0) return { status: fail, reason: `no bound session to ${link.id} before the deadline` };
      // A suspended link still has its sessions: a cancel or replace may go (nothing new is sent).
      const session = link.pickBound();
      if (!session) {
        // Bound when the request was taken, unbound now: wait for it, up to the deadline.
        if (await link.waitBound(left, signal)) await sleep(10); // a session closing right now: its close event is on its way
        continue;
      }
      try {
        const resp = await within(session.request(pdu), left, signal);
        if (resp === 'late') return { status: fail, reason: `no ${pdu.command}_resp from ${link.id} before the deadline` };
        return statusOf(resp, `${pdu.command}_resp`, fail);
      } catch (err) {
        // The session closed (or timed out) with it in flight: in doubt, and not sent again.
        return { status: fail, reason: `${pdu.command} to ${link.id} not answered: ${(err as Error).message}` };
      }
    }
  };

  const statusOf = (resp: Pdu, expected: string, fail: number): SmscOpReply => {
    // generic_nack: the SMSC does not take the command at all.
    const status = resp.command === expected ? resp.status : resp.status || fail;
    return status === STATUS.ESME_ROK ? { status } : { status, reason: `${resp.command} status 0x${status.toString(16)} from the SMSC` };
  };

  const serve = async (op: SmscOp, { deadline, signal }: { deadline: number; signal: AbortSignal }): Promise<SmscOpReply> => {
    const fail = op.op === 'cancel' ? STATUS.ESME_RCANCELFAIL : STATUS.ESME_RREPLACEFAIL;
    const link = links.get(op.smsc);
    if (!link) return { status: fail, reason: `no link to ${op.smsc}` };
    const src = smscAddress(entryAddressOfNorm(op.src), link.addressing);
    const source = { source_addr_ton: src.ton, source_addr_npi: src.npi, source_addr: src.addr };
    let replies: SmscOpReply[];
    if (op.op === 'cancel') {
      const dst = smscAddress(entryAddressOfNorm(op.dst), link.addressing);
      const destination = { dest_addr_ton: dst.ton, dest_addr_npi: dst.npi, destination_addr: dst.addr };
      // §4.9.1: message_id names one message; every part is one to the SMSC.
      replies = await Promise.all(
        op.smscIds.map((message_id) => send(link, { command: 'cancel_sm', service_type: op.serviceType, message_id, ...source, ...destination }, fail, deadline, signal)),
      );
    } else {
      if (op.smscIds.length > 1) return { status: fail, reason: `sent in ${op.smscIds.length} parts: replace_sm replaces one message` };
      if (op.segments > 1) return { status: fail, reason: `sent in one message_payload the SMSC splits into ${op.segments} segments: replace_sm replaces one message` };
      const text = replacementText(Buffer.from(op.sm, 'base64'), op.dc, op.sdc, { gsmPacked: deps.text?.get(link.id)?.gsmPacked });
      if (!text.ok) return { status: fail, reason: text.reason };
      // registered_delivery stays what every submit asks (submit-pdu.ts): the receipt ends the
      // message's lifecycle here, whatever the client wants for itself.
      const pdu: PduInit = {
        command: 'replace_sm', message_id: op.smscIds[0], ...source, schedule_delivery_time: op.schedule, validity_period: op.validity,
        registered_delivery: 1, sm_default_msg_id: 0, short_message: text.sm,
      };
      replies = [await send(link, pdu, fail, deadline, signal)];
    }
    const failed = replies.find((r) => r.status !== STATUS.ESME_ROK);
    logger.info({ msgId: op.msgId, smscId: link.id, op: op.op, status: failed?.status ?? 0, reason: failed?.reason }, `${op.op} forwarded to the SMSC`);
    return failed ?? { status: STATUS.ESME_ROK };
  };

  return createSmscOpsServer({
    redis: deps.redis,
    prefix: deps.prefix,
    logger,
    blockMs: deps.blockMs,
    serving: () => [...links.values()].filter((l) => l.sessionsBound > 0).map((l) => l.id),
    serve,
  });
}
