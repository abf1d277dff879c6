import type { ConnectionOptions } from 'node:tls';
import { bindSession, connectSession, ESM_CLASS, type BindMode, type Pdu, type PduInit, type SessionOptions, type SmppSession } from '@smsgw/smpp';
import { splitText } from '@smsgw/sms-text';

export interface TestClientOptions extends SessionOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  mode?: BindMode;
  systemType?: string;
  /** Connect over TLS (e.g. `{ ca }` of a test CA, `cert`/`key` for a client certificate). */
  tls?: ConnectionOptions;
}

export type SubmitInit = Omit<PduInit, 'command'>;

export interface TestClient {
  session: SmppSession;
  /** The bind_*_resp. */
  bindResp: Pdu;
  /** Send one submit_sm; resolves with its submit_sm_resp (any status). */
  submit(init: SubmitInit): Promise<Pdu>;
  /** Split text (GSM 7-bit or UCS-2, UDH when long) and submit every part in order. */
  submitText(source: string, destination: string, text: string, extra?: SubmitInit & { ref?: number }): Promise<Pdu[]>;
  /** Every deliver_sm received (already answered with deliver_sm_resp ROK). */
  receipts: Pdu[];
  waitForReceipts(n: number, timeoutMs?: number): Promise<Pdu[]>;
  close(): Promise<void>;
}

/** Connect and bind; deliver_sm are collected into `receipts` and acknowledged. */
export async function connectTestClient(opts: TestClientOptions): Promise<TestClient> {
  const { host, port, systemId, password, mode = 'transceiver', systemType, ...sessionOpts } = opts;
  const session = await connectSession({ host, port, ...sessionOpts });
  const receipts: Pdu[] = [];
  const waiters: Array<() => void> = [];
  session.on('pdu', (p) => {
    if (p.command === 'deliver_sm') {
      receipts.push(p);
      session.respond(p);
      for (const w of waiters.splice(0)) w();
      return;
    }
    session.respond(p, { status: 0x03 });
  });
  let bindResp: Pdu;
  try {
    bindResp = await bindSession(session, { mode, system_id: systemId, password, system_type: systemType });
  } catch (err) {
    session.destroy();
    throw err;
  }
  let nextRef = 1;

  const submit = (init: SubmitInit) => session.request({ ...init, command: 'submit_sm' });

  return {
    session,
    bindResp,
    receipts,
    submit,
    async submitText(source, destination, text, extra = {}) {
      const { ref = nextRef++ & 0xff, ...fields } = extra;
      const split = splitText(text, { ref });
      const resps: Pdu[] = [];
      for (const part of split.parts) {
        resps.push(
          await submit({
            source_addr: source,
            destination_addr: destination,
            ...fields,
            data_coding: split.dataCoding,
            esm_class: (fields.esm_class ?? 0) | (split.udh ? ESM_CLASS.UDHI : 0),
            short_message: part,
          }),
        );
      }
      return resps;
    },
    waitForReceipts(n, timeoutMs = 5_000) {
      return new Promise<Pdu[]>((resolve, reject) => {
        const check = () => {
          if (receipts.length >= n) {
            clearTimeout(timer);
            resolve(receipts);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => reject(new Error(`got ${receipts.length} of ${n} receipts within ${timeoutMs} ms`)), timeoutMs);
        const wait = () => {
          if (!check()) waiters.push(wait);
        };
        wait();
      });
    },
    async close() {
      if (session.closed) return;
      await session.unbind();
    },
  };
}
