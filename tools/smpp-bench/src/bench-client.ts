import { bindSession, connectSession, STATUS, statusName, type Pdu, type SmppSession } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';

export interface BenchOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  count: number;
  /** Submits outstanding at once (per session). */
  window: number;
  /**
   * Offered load, submits per second over every session: message i is not sent before
   * start + i / rate (still at most `window` outstanding). Absent: as fast as the window allows.
   */
  rate?: number;
  sessions?: number;
  /** Wait for a receipt per accepted message. */
  receipts?: boolean;
  receiptTimeoutMs?: number;
  text?: (i: number) => string;
  destination?: (i: number) => string;
}

export interface BenchSummary {
  messages: number;
  accepted: number;
  byStatus: Record<string, number>;
  receipts: number;
  receiptsByStat: Record<string, number>;
  submitSeconds: number;
  submitPerSec: number;
  endToEndSeconds: number;
  endToEndPerSec: number;
  /** The offered rate, when the run was paced (BenchOptions.rate). */
  offeredPerSec?: number;
  submitToRespMs: { p50: number; p99: number };
  submitToReceiptMs: { p50: number; p99: number };
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 10) / 10;
};

// ASCII characters whose GSM 7-bit septet is their own code (letters, digits, space, most
// punctuation): text of only these needs no GSM encoding, its latin1 octets are the septets.
const SAME_IN_GSM7 = Uint8Array.from({ length: 128 }, (_, c) => {
  const septets = encodeGsm7(String.fromCharCode(c));
  return septets?.length === 1 && septets[0] === c ? 1 : 0;
});

function gsmOctets(text: string): Buffer {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || SAME_IN_GSM7[c] === 0) return encodeGsm7(text) ?? Buffer.from(text, 'latin1');
  }
  return Buffer.from(text, 'latin1');
}

// The usual Appendix B layout, every value without blanks and a text without `:`: no other key
// can hide in it, so its id and stat are what parseReceiptText would find, without its scan.
const PLAIN_RECEIPT = /^id:(\S+) sub:\S+ dlvrd:\S+ submit date:\d+ done date:\d+ stat:(\S+) err:\S+ text:[^:]*$/;

/** The id and stat of a receipt text. */
export function receiptIdStat(s: string): { id?: string; stat?: string } {
  const m = PLAIN_RECEIPT.exec(s);
  if (m) return { id: m[1], stat: m[2] };
  const r = parseReceiptText(s);
  return { id: r.id, stat: r.stat };
}

/**
 * An SMPP client that binds as transceiver, submits `count` messages keeping `window` of them
 * outstanding per session, and (optionally) waits for every receipt. Times are measured per
 * message: submit → submit_sm_resp, submit → receipt.
 *
 * It is part of the bench rig, so it is kept cheap: a response sends the next submit at once
 * (no loop per window slot), one pacing timer for the whole run, counts by status number.
 */
export async function runBench(o: BenchOptions): Promise<BenchSummary> {
  const sessions: SmppSession[] = [];
  const sentAt = new Map<string, number>();
  const early = new Map<string, number>();
  const respMs: number[] = [];
  const receiptMs: number[] = [];
  const countByStatus = new Map<number, number>();
  const receiptsByStat: Record<string, number> = {};
  let receipts = 0;
  let accepted = 0;
  let lastReceipt = 0;
  let submitted = false;
  let allReceipts: () => void = () => undefined;

  const onReceipt = (pdu: Pdu) => {
    const now = performance.now();
    const r = receiptIdStat((pdu.short_message ?? Buffer.alloc(0)).toString('latin1'));
    receiptsByStat[r.stat ?? '?'] = (receiptsByStat[r.stat ?? '?'] ?? 0) + 1;
    const t = r.id ? sentAt.get(r.id) : undefined;
    if (t !== undefined) receiptMs.push(now - t);
    else if (r.id) early.set(r.id, now);
    receipts++;
    lastReceipt = now;
    if (receipts >= accepted && accepted > 0 && submitted) allReceipts();
  };

  try {
    for (let s = 0; s < (o.sessions ?? 1); s++) {
      const session = await connectSession({ host: o.host, port: o.port, window: o.window, responseTimeoutMs: 60_000, enquireLinkMs: 0, maxIncomingPending: 10_000 });
      session.on('pdu', (pdu: Pdu) => {
        session.respond(pdu, { message_id: '' });
        if (pdu.command === 'deliver_sm') onReceipt(pdu);
      });
      sessions.push(session);
      await bindSession(session, { mode: 'transceiver', system_id: o.systemId, password: o.password });
    }

    const text = o.text ?? ((i: number) => `Bench message ${i} from smpp-bench`);
    const dest = o.destination ?? ((i: number) => `4479${String(i % 100_000_000).padStart(8, '0')}`);
    const registered = o.receipts === false ? 0 : 1;
    const inFlight = sessions.map(() => 0);
    let next = 0;
    let answered = 0;
    let turn = 0;
    let pacer: NodeJS.Timeout | undefined;
    let done!: () => void;
    let fail!: (err: Error) => void;
    const allAnswered = new Promise<void>((resolve, reject) => {
      done = resolve;
      fail = reject;
    });
    const start = performance.now();

    const onResponse = (k: number, t0: number, resp: Pdu) => {
      respMs.push(performance.now() - t0);
      countByStatus.set(resp.status, (countByStatus.get(resp.status) ?? 0) + 1);
      if (resp.status === STATUS.ESME_ROK && resp.message_id) {
        accepted++;
        sentAt.set(resp.message_id, t0);
        const e = early.get(resp.message_id);
        if (e !== undefined) receiptMs.push(e - t0);
      }
      inFlight[k]!--;
      if (++answered === o.count) done();
      else pump();
    };

    const send = (k: number, i: number) => {
      inFlight[k]!++;
      const t0 = performance.now();
      sessions[k]!.request({
        command: 'submit_sm',
        source_addr_ton: 5, source_addr_npi: 0, source_addr: 'BENCH',
        dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: dest(i),
        registered_delivery: registered,
        data_coding: 0,
        short_message: gsmOctets(text(i)),
      }).then((resp) => onResponse(k, t0, resp), fail);
    };

    /** A session with a free window slot, taking turns; -1 when every window is full. */
    const freeSession = (): number => {
      for (let n = 0; n < sessions.length; n++) {
        const k = (turn + n) % sessions.length;
        if (inFlight[k]! < o.window) {
          turn = (k + 1) % sessions.length;
          return k;
        }
      }
      return -1;
    };

    /** Send what the windows (and, paced, the clock) allow: message i not before start + i / rate. */
    const pump = () => {
      if (pacer) return;
      while (next < o.count) {
        if (o.rate) {
          const wait = start + (next * 1000) / o.rate - performance.now();
          if (wait > 1) {
            pacer = setTimeout(() => {
              pacer = undefined;
              pump();
            }, wait);
            return;
          }
        }
        const k = freeSession();
        if (k < 0) return;
        send(k, next++);
      }
    };

    if (o.count > 0) {
      pump();
      await allAnswered;
    }
    submitted = true;
    const submitEnd = performance.now();
    if (o.receipts !== false && receipts < accepted) {
      await new Promise<void>((resolve) => {
        allReceipts = resolve;
        setTimeout(resolve, o.receiptTimeoutMs ?? 120_000).unref();
      });
    }
    const end = o.receipts === false ? submitEnd : Math.max(lastReceipt, submitEnd);
    await Promise.allSettled(sessions.map((s) => s.unbind()));
    const submitSeconds = (submitEnd - start) / 1000;
    const endToEndSeconds = (end - start) / 1000;
    const byStatus: Record<string, number> = {};
    for (const [status, n] of countByStatus) byStatus[statusName(status)] = (byStatus[statusName(status)] ?? 0) + n;
    return {
      messages: o.count,
      accepted,
      byStatus,
      receipts,
      receiptsByStat,
      submitSeconds: Math.round(submitSeconds * 1000) / 1000,
      submitPerSec: Math.round(o.count / submitSeconds),
      endToEndSeconds: Math.round(endToEndSeconds * 1000) / 1000,
      endToEndPerSec: Math.round(accepted / endToEndSeconds),
      ...(o.rate ? { offeredPerSec: o.rate } : {}),
      submitToRespMs: { p50: pct(respMs, 50), p99: pct(respMs, 99) },
      submitToReceiptMs: { p50: pct(receiptMs, 50), p99: pct(receiptMs, 99) },
    };
  } finally {
    for (const s of sessions) s.close();
  }
}
