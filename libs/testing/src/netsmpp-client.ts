import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * A second SMPP client, independent of our codec and of the npm `smpp` package: Net::SMPP
 * (Perl, Debian package libnet-smpp-perl) driven through `netsmpp/peer.pl`. Interop tests run
 * the same PDUs through both clients, so a bug shared by our encoder and decoder cannot hide.
 */

const PEER = fileURLToPath(new URL('./netsmpp/peer.pl', import.meta.url));
const INSTALL_HINT = 'install perl and Net::SMPP (apt-get install libnet-smpp-perl)';

export type NetSmppMode = 'transmitter' | 'receiver' | 'transceiver';

export interface NetSmppTlv {
  tag: number;
  /** The value's octets in hex. */
  hex: string;
}

/** A PDU as Net::SMPP decoded it; octet strings are hex (`short_message_hex`, `tlvs`). */
export interface NetSmppPdu {
  command: string;
  command_status: number;
  seq: number;
  tlvs: NetSmppTlv[];
  short_message_hex?: string;
  message_id?: string;
  system_id?: string;
  message_state?: number;
  final_date?: string;
  error_code?: number;
  esm_class?: number;
  data_coding?: number;
  source_addr?: string;
  destination_addr?: string;
  /** submit_multi_resp (§4.5.2): the destinations that failed. */
  unsuccess_sme?: Array<{ dest_addr_ton: number; dest_addr_npi: number; destination_addr: string; error_status_code: number }>;
  [field: string]: unknown;
}

/** Request fields by their SMPP v3.4 names; binary values as Buffers. */
export type NetSmppFields = Record<string, unknown> & {
  short_message?: Buffer;
  tlvs?: Array<{ tag: number; value: Buffer }>;
};

export interface NetSmppClientOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  mode?: NetSmppMode;
  /** Bind right after connecting (default true); the bind_*_resp is `bindResp`, whatever its status. */
  bind?: boolean;
  /** How long a command waits for its response (default 5 s). */
  timeoutMs?: number;
}

export interface NetSmppClient {
  /** The bind_*_resp of the bind done at start (undefined with `bind: false`). */
  bindResp?: NetSmppPdu;
  bind(mode?: NetSmppMode, fields?: NetSmppFields): Promise<NetSmppPdu>;
  submitSm(fields: NetSmppFields): Promise<NetSmppPdu>;
  submitMulti(fields: NetSmppFields & { destination_addr: string[] }): Promise<NetSmppPdu>;
  dataSm(fields: NetSmppFields): Promise<NetSmppPdu>;
  querySm(fields: NetSmppFields & { message_id: string }): Promise<NetSmppPdu>;
  cancelSm(fields: NetSmppFields): Promise<NetSmppPdu>;
  replaceSm(fields: NetSmppFields & { message_id: string }): Promise<NetSmppPdu>;
  enquireLink(): Promise<NetSmppPdu>;
  /** unbind; the client closes the connection after the unbind_resp (§4.2). */
  unbind(): Promise<NetSmppPdu>;
  /** Bytes exactly as given; resolves with the response carrying the header's sequence number. */
  raw(pdu: Buffer): Promise<NetSmppPdu>;
  /**
   * The requests the peer sent (deliver_sm, data_sm, unbind — already answered) and a
   * `{ command: 'closed' }` when it closed the connection; waits up to `waitMs` for `min`.
   */
  readPdus(waitMs: number, min?: number): Promise<NetSmppPdu[]>;
  /** The command_status of the deliver_sm_resp/data_sm_resp sent from now on (default 0). */
  setDeliverStatus(status: number): Promise<void>;
  close(): Promise<void>;
}

/** Whether perl with Net::SMPP and JSON::PP is installed (for `describe.skipIf`). */
export function netSmppAvailable(): boolean {
  return spawnSync('perl', ['-MNet::SMPP', '-MJSON::PP', '-e1'], { stdio: 'ignore' }).status === 0;
}

/** The value of a TLV of a Net::SMPP PDU (§5.3), or undefined. */
export const netSmppTlv = (pdu: NetSmppPdu, tag: number): Buffer | undefined => {
  const t = pdu.tlvs.find((x) => x.tag === tag);
  return t ? Buffer.from(t.hex, 'hex') : undefined;
};

export const netSmppShortMessage = (pdu: NetSmppPdu): Buffer => Buffer.from(pdu.short_message_hex ?? '', 'hex');

const toWire = ({ short_message, tlvs, ...rest }: NetSmppFields) => ({
  ...rest,
  ...(short_message ? { short_message_hex: short_message.toString('hex') } : {}),
  ...(tlvs ? { tlvs: tlvs.map((t) => ({ tag: t.tag, hex: t.value.toString('hex') })) } : {}),
});

interface Pending {
  resolve(out: Record<string, unknown>): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** Starts `perl peer.pl`, connects and (by default) binds. */
export async function startNetSmppClient(opts: NetSmppClientOptions): Promise<NetSmppClient> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const child = spawn('perl', [PEER], { stdio: ['pipe', 'pipe', 'pipe'] });
  const pending = new Map<number, Pending>();
  let stderr = '';
  let exited: Error | undefined;
  let nextId = 1;

  const fail = (err: Error) => {
    exited ??= err;
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    pending.clear();
  };
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000)));
  child.on('error', (err: NodeJS.ErrnoException) =>
    fail(new Error(err.code === 'ENOENT' ? `perl not found: ${INSTALL_HINT}` : `perl failed: ${err.message}`)),
  );
  child.on('exit', (code, signal) => {
    const missing = /Can't locate (Net\/SMPP|JSON\/PP)\.pm/.test(stderr);
    fail(new Error(missing ? `Net::SMPP is missing: ${INSTALL_HINT}` : `Net::SMPP peer exited (${code ?? signal}): ${stderr.trim()}`));
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const out = JSON.parse(line) as Record<string, unknown>;
    const p = pending.get(out.id as number);
    if (!p) return;
    pending.delete(out.id as number);
    clearTimeout(p.timer);
    const { ok, id: _id, error, ...result } = out;
    if (ok) p.resolve(result);
    else p.reject(new Error(`Net::SMPP: ${String(error)}`));
  });

  const send = (cmd: string, fields: Record<string, unknown> = {}, waitMs = timeoutMs): Promise<Record<string, unknown>> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      // The peer gives up after timeout_ms itself; this timer only catches a peer that hangs.
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`Net::SMPP peer: no answer to ${cmd} within ${waitMs + 2_000} ms; stderr: ${stderr.trim()}`));
      }, waitMs + 2_000);
      pending.set(id, { resolve, reject, timer });
      child.stdin.write(`${JSON.stringify({ ...fields, cmd, id, timeout_ms: timeoutMs })}\n`);
    });
  };
  const request = async (cmd: string, fields: NetSmppFields = {}) => (await send(cmd, toWire(fields))) as unknown as NetSmppPdu;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      if (!exited) await send('close').catch(() => undefined);
      child.stdin.end();
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
        await gone;
        clearTimeout(timer);
      }
    })());

  const bind = (mode: NetSmppMode = opts.mode ?? 'transceiver', fields: NetSmppFields = {}) =>
    request('bind', { mode, system_id: opts.systemId, password: opts.password, ...fields });

  let bindResp: NetSmppPdu | undefined;
  try {
    await send('connect', { host: opts.host, port: opts.port });
    if (opts.bind !== false) bindResp = await bind();
  } catch (err) {
    await close();
    throw err;
  }

  return {
    bindResp,
    bind,
    submitSm: (f) => request('submit_sm', f),
    submitMulti: (f) => request('submit_multi', f),
    dataSm: (f) => request('data_sm', f),
    querySm: (f) => request('query_sm', f),
    cancelSm: (f) => request('cancel_sm', f),
    replaceSm: (f) => request('replace_sm', f),
    enquireLink: () => request('enquire_link'),
    unbind: () => request('unbind'),
    raw: async (pdu) => (await send('raw', { hex: pdu.toString('hex') })) as unknown as NetSmppPdu,
    readPdus: async (waitMs, min = 1) => (await send('read_pdus', { wait_ms: waitMs, min }, waitMs)).pdus as NetSmppPdu[],
    setDeliverStatus: async (status) => void (await send('set', { deliver_status: status })),
    close,
  };
}
