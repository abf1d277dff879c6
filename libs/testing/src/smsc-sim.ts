import type { Server } from 'node:net';
import type { TlsOptions } from 'node:tls';
import { createSmppServer, createSmppTlsServer, cstringTlv, ESM_CLASS, getTlv, listen, MESSAGE_STATE, SessionClosedError, SmppTimeoutError, STATUS, TLV, tlvUint32, uint8Tlv, type Pdu, type PduInit, type SmppLogger, type SmppSession } from '@smsgw/smpp';
import { createSimCancelReplace, type SimCancel, type SimReplace } from './sim-cancel-replace';
import { DueQueue } from './smsc-sim-due';
import { deliveredReceiptText, SimReceipt, type ReceiptBuilder } from './smsc-sim-receipt';
import { describeSubmit, reassemble, type SimMessage, type SimSubmit } from './sim-submits';

export type { SimAddress, SimCancel, SimReplace } from './sim-cancel-replace';

export interface SmscSimOptions {
  host?: string;
  /** 0 = random free port. */
  port?: number;
  /** Accept only this system_id (any when undefined). */
  systemId?: string;
  /** Accept only this password (any when undefined). */
  password?: string;
  receiptDelayMs?: number;
  /** Send a DELIVRD receipt for every accepted submit with registered_delivery & 1 (default true). */
  receipts?: boolean;
  idFormat?: 'hex' | 'dec';
  /** How receipts write the id (default: idFormat). 'hex' receipts are upper case, zero-padded. */
  receiptIdFormat?: 'hex' | 'dec';
  /**
   * The command receipts come in (default deliver_sm). 'data_sm' (§4.7) as some SMSCs send them:
   * the receipt text in message_payload, plus the receipted_message_id and message_state TLVs.
   */
  receiptsAs?: 'deliver_sm' | 'data_sm';
  /** Send every receipt twice (as some SMSCs do after a reconnect). */
  duplicateReceipts?: boolean;
  /** Answer ESME_RTHROTTLED above this many submits per second (0/undefined = never). */
  throttleAbovePerSec?: number;
  /** Fraction (0..1) of submits answered with `errorStatus`. */
  errorRate?: number;
  /** The status of those errors (default ESME_RSUBMITFAIL, 0x45). */
  errorStatus?: number;
  /** Send the receipt BEFORE the submit_sm_resp, to exercise that race in the client. */
  receiptBeforeResp?: boolean;
  /** Answer each accepted submit this long after it came (requests stay in flight meanwhile). */
  respondDelayMs?: number;
  /** Keep every accepted submit in memory (default true). */
  record?: boolean;
  window?: number;
  logger?: SmppLogger;
  /** Undelivered receipts kept while no receiver is bound (default 10000; the oldest go first). */
  maxQueuedReceipts?: number;
  /** GSM 7-bit text (data_coding 0) arrives as packed septets, as from an ESME with `gsmPacked`. */
  gsmPacked?: boolean;
  /** Speak SMPP over TLS with these options (`key`/`cert` PEM; `requestCert`/`ca` for client certificates). */
  tls?: TlsOptions;
  /** Answer every cancel_sm with this status; default: ROK while the message's receipt has not gone, else ESME_RCANCELFAIL. */
  cancelStatus?: number;
  /** Answer every replace_sm with this status; default: ROK while the message's receipt has not gone, else ESME_RREPLACEFAIL. */
  replaceStatus?: number;
}

export interface SmscSimStats {
  binds: number;
  submits: number;
  accepted: number;
  throttled: number;
  errors: number;
  receiptsSent: number;
  receiptsAcked: number;
}

/** An accepted submit, and the command it came in (submit_sm, or data_sm with its text in message_payload). */
export interface SimSubmitted extends SimSubmit {
  command: 'submit_sm' | 'data_sm';
  /** A data_sm's qos_time_to_live (§5.3.2.9, seconds), its validity in place of validity_period. */
  ttl?: number;
}

export interface SmscSim {
  port: number;
  host: string;
  stats: SmscSimStats;
  submits: SimSubmitted[];
  /** Every cancel_sm and replace_sm received, with the status answered. */
  cancels: SimCancel[];
  replaces: SimReplace[];
  messages(): SimMessage[];
  close(): Promise<void>;
}

type Mode = 'transmitter' | 'receiver' | 'transceiver';
interface Bound {
  session: SmppSession;
  systemId: string;
  mode: Mode;
}
interface QueuedReceipt {
  systemId: string;
  pdu: PduInit;
  attempts: number;
}
interface DueResponse {
  session: SmppSession;
  pdu: Pdu;
  smscMsgId: string;
}

const DELIVERED_STATE = uint8Tlv(TLV.message_state, MESSAGE_STATE.DELIVERED);

// A receipt is tried this often (refusals retried after 0.5, 1, 2 … 32 s: over a minute in all).
const MAX_RECEIPT_ATTEMPTS = 8;

/** An in-process SMSC for tests and load runs (house style: go-smpp smpptest server). */
export async function startSmscSim(opts: SmscSimOptions = {}): Promise<SmscSim> {
  const host = opts.host ?? '127.0.0.1';
  const receiptDelayMs = opts.receiptDelayMs ?? 50;
  const wantReceipts = opts.receipts ?? true;
  const record = opts.record ?? true;
  const maxQueued = opts.maxQueuedReceipts ?? 10_000;
  const log = opts.logger;
  const stats: SmscSimStats = { binds: 0, submits: 0, accepted: 0, throttled: 0, errors: 0, receiptsSent: 0, receiptsAcked: 0 };
  const submits: SimSubmitted[] = [];
  const bound = new Map<SmppSession, Bound>();
  const sessions = new Set<SmppSession>();
  const queue: QueuedReceipt[] = [];
  let nextId = 1;
  let rateSecond = 0;
  let rateCount = 0;
  let closing = false;
  // A message whose receipt has not gone can be cancelled (its receipt then never goes) or replaced.
  const changes = createSimCancelReplace({
    cancelStatus: opts.cancelStatus,
    replaceStatus: opts.replaceStatus,
    gsmPacked: opts.gsmPacked,
  });
  // Receipts, their duplicates and delayed responses each a fixed delay after the submit, on one timer.
  const due = new DueQueue();
  const receipts = due.lane<SimReceipt>(receiptDelayMs, (r) => {
    // A cancel_sm took the message out of the pending map: its receipt never goes.
    if (changes.pending.get(r.smscMsgId) !== r) return void (r.cancelled = true);
    changes.pending.delete(r.smscMsgId);
    deliver(r, r.session);
  });
  const duplicates = opts.duplicateReceipts
    ? due.lane<SimReceipt>(receiptDelayMs + 20, (r) => {
        if (!r.cancelled) deliver({ systemId: r.systemId, pdu: r.pdu, attempts: 0 }, r.session);
      })
    : undefined;
  const responses = opts.respondDelayMs ? due.lane<DueResponse>(opts.respondDelayMs, (r) => r.session.respond(r.pdu, { message_id: r.smscMsgId })) : undefined;

  const formatId = (n: number, format: 'hex' | 'dec' | undefined, upper = false) => {
    if (format === 'dec') return String(n);
    const hex = n.toString(16).padStart(8, '0');
    return upper ? hex.toUpperCase() : hex;
  };

  const canReceive = (b: Bound | undefined): b is Bound => !!b && !b.session.closed && b.mode !== 'transmitter';

  /** Prefer the session the submit came in on, else any RX/TRX of the same system_id. */
  const receiverFor = (systemId: string, preferred?: SmppSession): SmppSession | undefined => {
    const own = preferred ? bound.get(preferred) : undefined;
    if (canReceive(own) && own.systemId === systemId) return own.session;
    for (const b of bound.values()) if (canReceive(b) && b.systemId === systemId) return b.session;
    return undefined;
  };

  const enqueue = (r: QueuedReceipt) => {
    if (queue.length >= maxQueued) queue.shift();
    queue.push(r);
  };

  const deliver = (r: QueuedReceipt, preferred?: SmppSession) => {
    if (closing) return;
    const session = receiverFor(r.systemId, preferred);
    if (!session) return enqueue(r);
    r.attempts++;
    stats.receiptsSent++;
    session.request(r.pdu).then(
      (resp) => {
        if (resp.status === 0) {
          stats.receiptsAcked++;
          return;
        }
        // As an SMSC does: a refused receipt (the ESME could not take it now) goes again later,
        // with backoff (0.5 s doubling), up to MAX_RECEIPT_ATTEMPTS times in all.
        log?.warn({ status: resp.status, attempts: r.attempts }, 'receipt refused by client');
        if (r.attempts < MAX_RECEIPT_ATTEMPTS) {
          const t = setTimeout(() => deliver(r), 500 * 2 ** (r.attempts - 1));
          t.unref();
        }
      },
      (err: Error) => {
        if (r.attempts >= MAX_RECEIPT_ATTEMPTS) return;
        // The receiver went away: another bound receiver of the system_id gets it now (as an
        // SMSC does), else it waits for the next bind. One that did not answer: the next bind.
        if (err instanceof SessionClosedError) deliver(r);
        else if (err instanceof SmppTimeoutError) enqueue(r);
      },
    );
  };

  const flushQueue = (systemId: string) => {
    const mine = queue.filter((r) => r.systemId === systemId);
    if (mine.length === 0 || !receiverFor(systemId)) return;
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.systemId === systemId) queue.splice(i, 1);
    for (const r of mine) deliver(r);
  };

  const receiptPdu: ReceiptBuilder = (p, smscMsgId, text, submitDate) => {
    const encoded = deliveredReceiptText(smscMsgId, text, submitDate, new Date());
    const tlvs = [cstringTlv(TLV.receipted_message_id, smscMsgId), DELIVERED_STATE];
    const receipt = {
      command: 'deliver_sm' as const,
      source_addr_ton: p.dest_addr_ton,
      source_addr_npi: p.dest_addr_npi,
      source_addr: p.destination_addr,
      dest_addr_ton: p.source_addr_ton,
      dest_addr_npi: p.source_addr_npi,
      destination_addr: p.source_addr,
      // §5.2.12: the same receipt bits in deliver_sm and data_sm.
      esm_class: ESM_CLASS.DELIVERY_RECEIPT,
      data_coding: 0,
      short_message: encoded,
      tlvs,
    };
    if (opts.receiptsAs !== 'data_sm') return receipt;
    // data_sm (§4.7.1) has no short_message: the text goes in message_payload.
    const { short_message: _text, ...fields } = receipt;
    return { ...fields, command: 'data_sm', service_type: '', registered_delivery: 0, tlvs: [{ tag: TLV.message_payload, value: encoded }, ...tlvs] };
  };

  const onSubmit = (s: SmppSession, b: Bound | undefined, p: Pdu) => {
    // §2.3: submit_sm and data_sm (answered alike, data_sm_resp by the session) only in BOUND_TX / BOUND_TRX.
    if (!b || b.mode === 'receiver') return s.respond(p, { status: STATUS.ESME_RINVBNDSTS });
    stats.submits++;
    if (opts.throttleAbovePerSec) {
      const sec = Math.floor(Date.now() / 1000);
      if (sec !== rateSecond) {
        rateSecond = sec;
        rateCount = 0;
      }
      if (++rateCount > opts.throttleAbovePerSec) {
        stats.throttled++;
        return s.respond(p, { status: STATUS.ESME_RTHROTTLED });
      }
    }
    if (opts.errorRate && Math.random() < opts.errorRate) {
      stats.errors++;
      return s.respond(p, { status: opts.errorStatus ?? STATUS.ESME_RSUBMITFAIL });
    }
    stats.accepted++;
    const n = nextId++;
    const smscMsgId = formatId(n, opts.idFormat);
    const receiptId = opts.receiptIdFormat ? formatId(n, opts.receiptIdFormat, true) : smscMsgId;
    const at = Date.now();
    const rec = describeSubmit(p, smscMsgId, at, { gsmPacked: opts.gsmPacked }) as SimSubmitted;
    rec.command = p.command === 'data_sm' ? 'data_sm' : 'submit_sm';
    const ttl = tlvUint32(getTlv(p, TLV.qos_time_to_live));
    if (ttl !== undefined) rec.ttl = ttl;
    if (record) submits.push(rec);
    // Pending (cancel_sm, replace_sm) until its receipt goes; without a receipt, for good (kept
    // only when submits are, or a load run would grow it).
    if (!(wantReceipts && (p.registered_delivery ?? 0) & 1)) {
      if (record) changes.pending.set(smscMsgId, { submit: p });
      return respond(s, p, smscMsgId);
    }
    const receipt = new SimReceipt(b.systemId, s, smscMsgId, p, receiptId, at, receiptPdu, rec.text);
    if (opts.receiptBeforeResp) deliver(receipt, s);
    else changes.pending.set(smscMsgId, receipt);
    if (duplicates) duplicates.add(receipt);
    respond(s, p, smscMsgId);
    if (!opts.receiptBeforeResp) receipts.add(receipt);
  };

  const respond = (s: SmppSession, p: Pdu, smscMsgId: string) => {
    if (responses) responses.add({ session: s, pdu: p, smscMsgId });
    else s.respond(p, { message_id: smscMsgId });
  };

  /** cancel_sm (§4.9) and replace_sm (§4.10), like submits only in BOUND_TX / BOUND_TRX (§2.3). */
  const onChange = (s: SmppSession, b: Bound | undefined, p: Pdu) => {
    if (!b || b.mode === 'receiver') return s.respond(p, { status: STATUS.ESME_RINVBNDSTS });
    s.respond(p, { status: p.command === 'cancel_sm' ? changes.cancel(p) : changes.replace(p) });
  };

  const onBind = (s: SmppSession, p: Pdu) => {
    if (bound.has(s)) return s.respond(p, { status: STATUS.ESME_RALYBND });
    const systemId = p.system_id ?? '';
    // SMPP.md: unknown user and wrong password look the same (ESME_RBINDFAIL).
    const ok = (opts.systemId === undefined || opts.systemId === systemId) && (opts.password === undefined || opts.password === p.password);
    if (!ok) return s.respond(p, { status: STATUS.ESME_RBINDFAIL });
    const mode = p.command.slice('bind_'.length) as Mode;
    bound.set(s, { session: s, systemId, mode });
    stats.binds++;
    s.respond(p, { system_id: 'SMSCSIM' });
    if (mode !== 'transmitter') flushQueue(systemId);
  };

  const onSession = (s: SmppSession) => {
    sessions.add(s);
    s.on('pdu', (p) => {
      if (p.command.startsWith('bind_')) return onBind(s, p);
      if (p.command === 'submit_sm' || p.command === 'data_sm') return onSubmit(s, bound.get(s), p);
      if (p.command === 'cancel_sm' || p.command === 'replace_sm') return onChange(s, bound.get(s), p);
      if (p.command === 'outbind' || p.command === 'alert_notification') return;
      s.respond(p, { status: bound.has(s) ? STATUS.ESME_RINVCMDID : STATUS.ESME_RINVBNDSTS });
    });
    s.on('close', () => {
      sessions.delete(s);
      bound.delete(s);
    });
  };
  const sessionOpts = { window: opts.window, logger: opts.logger };
  const server: Server = opts.tls ? createSmppTlsServer(onSession, opts.tls, sessionOpts) : createSmppServer(onSession, sessionOpts);
  const port = await listen(server, opts.port ?? 0, host);

  return {
    port,
    host,
    stats,
    submits,
    cancels: changes.cancels,
    replaces: changes.replaces,
    messages: () => reassemble(submits),
    close: async () => {
      closing = true;
      due.close();
      for (const s of sessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
