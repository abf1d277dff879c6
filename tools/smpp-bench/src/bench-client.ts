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

/**
 * An SMPP client that binds as transceiver, submits `count` messages keeping `window` of them
 * outstanding per session, and (optionally) waits for every receipt. Times are measured per
 * message: submit → submit_sm_resp, submit → receipt.
 */
export async function runBench(o: BenchOptions): Promise<BenchSummary> {
  const sessions: SmppSession[] = [];
  const sentAt = new Map<string, number>();
  const early = new Map<string, number>();
  const respMs: number[] = [];
  const receiptMs: number[] = [];
  const byStatus: Record<string, number> = {};
  const receiptsByStat: Record<string, number> = {};
  let receipts = 0;
  let accepted = 0;
  let lastReceipt = 0;
  let allReceipts: () => void = () => undefined;

  const onReceipt = (pdu: Pdu) => {
    const now = performance.now();
    const r = parseReceiptText((pdu.short_message ?? Buffer.alloc(0)).toString('latin1'));
    receiptsByStat[r.stat ?? '?'] = (receiptsByStat[r.stat ?? '?'] ?? 0) + 1;
    const t = r.id ? sentAt.get(r.id) : undefined;
    if (t !== undefined) receiptMs.push(now - t);
    else if (r.id) early.set(r.id, now);
    receipts++;
    lastReceipt = now;
    if (receipts >= accepted && accepted > 0 && submitted) allReceipts();
  };

  for (let s = 0; s < (o.sessions ?? 1); s++) {
    const session = await connectSession({ host: o.host, port: o.port, window: o.window, responseTimeoutMs: 60_000, enquireLinkMs: 0, maxIncomingPending: 10_000 });
    session.on('pdu', (pdu: Pdu) => {
      session.respond(pdu, { message_id: '' });
      if (pdu.command === 'deliver_sm') onReceipt(pdu);
    });
    await bindSession(session, { mode: 'transceiver', system_id: o.systemId, password: o.password });
    sessions.push(session);
  }

  const text = o.text ?? ((i: number) => `Bench message ${i} from smpp-bench`);
  const dest = o.destination ?? ((i: number) => `4479${String(i % 100_000_000).padStart(8, '0')}`);
  let submitted = false;
  const start = performance.now();
  let next = 0;
  const worker = async (session: SmppSession) => {
    while (next < o.count) {
      const i = next++;
      if (o.rate) {
        const wait = start + (i * 1000) / o.rate - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      }
      const t0 = performance.now();
      const resp = await session.request({
        command: 'submit_sm',
        source_addr_ton: 5, source_addr_npi: 0, source_addr: 'BENCH',
        dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: dest(i),
        registered_delivery: o.receipts === false ? 0 : 1,
        data_coding: 0,
        short_message: encodeGsm7(text(i)) ?? Buffer.from(text(i), 'latin1'),
      });
      const t1 = performance.now();
      respMs.push(t1 - t0);
      const name = statusName(resp.status);
      byStatus[name] = (byStatus[name] ?? 0) + 1;
      if (resp.status === STATUS.ESME_ROK && resp.message_id) {
        accepted++;
        sentAt.set(resp.message_id, t0);
        const e = early.get(resp.message_id);
        if (e !== undefined) receiptMs.push(e - t0);
      }
    }
  };
  // Each session runs `window` submit loops: that many outstanding requests per session.
  await Promise.all(sessions.flatMap((s) => Array.from({ length: o.window }, () => worker(s))));
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
  for (const s of sessions) s.close();
  const submitSeconds = (submitEnd - start) / 1000;
  const endToEndSeconds = (end - start) / 1000;
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
}
