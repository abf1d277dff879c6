import { connect, createServer, type Server } from 'node:net';
import type { Pdu } from './pdu';
import { SmppSession, type SmppSessionOptions } from './session';
import { SmppStatusError } from './status';

export type SessionOptions = Omit<SmppSessionOptions, 'socket'>;

export interface ConnectOptions extends SessionOptions {
  host: string;
  port: number;
  /** Give up when the TCP connection is not up after this long (default 10000). */
  connectTimeoutMs?: number;
}

/** Open a TCP connection and wrap it in a session (not yet bound). */
export function connectSession(opts: ConnectOptions): Promise<SmppSession> {
  const { host, port, connectTimeoutMs = 10_000, ...sessionOpts } = opts;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`SMPP connect to ${host}:${port} timed out after ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(new SmppSession({ ...sessionOpts, socket }));
    });
  });
}

export type BindMode = 'transceiver' | 'transmitter' | 'receiver';

export interface BindOptions {
  mode: BindMode;
  system_id: string;
  password: string;
  system_type?: string;
  addr_ton?: number;
  addr_npi?: number;
  address_range?: string;
}

/** §4.1: bind and return the bind_*_resp; a non-zero status rejects with SmppStatusError. */
export async function bindSession(session: SmppSession, opts: BindOptions): Promise<Pdu> {
  const { mode, ...fields } = opts;
  const resp = await session.request({ command: `bind_${mode}`, ...fields });
  if (resp.status !== 0) throw new SmppStatusError(resp.status, `bind_${mode} as ${opts.system_id} refused`);
  return resp;
}

/** A TCP server whose every connection becomes a session handed to `onSession`. */
export function createSmppServer(onSession: (s: SmppSession) => void, opts: SessionOptions = {}): Server {
  return createServer((socket) => onSession(new SmppSession({ ...opts, socket })));
}

/** Listen on host:port (0 = random) and return the bound port. */
export function listen(server: Server, port = 0, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
