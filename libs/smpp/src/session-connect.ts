import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type ConnectionOptions, type Server as TlsServer, type TlsOptions } from 'node:tls';
import type { Pdu } from './pdu';
import { SmppSession, type SmppSessionOptions } from './session';
import { SmppStatusError } from './status';
import { readProxyHeader } from './proxy-protocol';

export type SessionOptions = Omit<SmppSessionOptions, 'socket'>;

export interface ConnectOptions extends SessionOptions {
  host: string;
  port: number;
  /** Give up when the connection (TLS handshake included) is not up after this long (default 10000). */
  connectTimeoutMs?: number;
  /** Connect over TLS; the peer certificate is checked as these options say (node:tls defaults: checked). */
  tls?: ConnectionOptions;
}

/** Open a TCP (or TLS) connection and wrap it in a session (not yet bound). */
export function connectSession(opts: ConnectOptions): Promise<SmppSession> {
  const { host, port, connectTimeoutMs = 10_000, tls, ...sessionOpts } = opts;
  return new Promise((resolve, reject) => {
    const socket = tls ? tlsConnect({ host, port, ...tls }) : connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`SMPP connect to ${host}:${port} timed out after ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      // A refused certificate must read as such in the log, not as a bare OpenSSL code.
      reject(tls ? new Error(`TLS connect to ${host}:${port} failed: ${err.message}${err.code ? ` (${err.code})` : ''}`, { cause: err }) : err);
    });
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(new SmppSession({ ...sessionOpts, socket }));
    });
  });
}

/** PEM files of a TLS section, read now (so a renewed certificate is used from the next connection on). */
export function readPemFiles(paths: { ca?: string | undefined; cert?: string | undefined; key?: string | undefined }): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  for (const k of ['ca', 'cert', 'key'] as const) {
    const path = paths[k];
    if (path) out[k] = readFileSync(path);
  }
  return out;
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

export interface SmppServerOptions extends SessionOptions {
  /**
   * Called for every TCP connection before anything is read from it (for TLS: before the
   * handshake; with a PROXY header: after it, with the client's address); false destroys the
   * socket at once and no session is made.
   */
  admit?: (socket: Socket, address: string | undefined) => boolean;
  /**
   * Every connection starts with a PROXY protocol header (v1 or v2) from a load balancer, due
   * within timeoutMs: the session's remoteAddress is the client's address it gives. A
   * connection without one is closed.
   */
  proxyProtocol?: { timeoutMs: number; onError?: (err: Error) => void };
}

/** A TCP server whose every connection becomes a session handed to `onSession`. */
export function createSmppServer(onSession: (s: SmppSession) => void, opts: SmppServerOptions = {}): Server {
  const { admit, proxyProtocol, ...sessionOpts } = opts;
  const open = (socket: Socket, remoteAddress: string | undefined) => {
    if (admit && !admit(socket, remoteAddress)) return void socket.destroy();
    onSession(new SmppSession({ ...sessionOpts, socket, remoteAddress }));
  };
  if (!proxyProtocol) return createServer((socket) => open(socket, socket.remoteAddress));
  return createServer((socket) => {
    socket.on('error', () => socket.destroy()); // before the session owns it
    readProxyHeader(socket, proxyProtocol.timeoutMs).then(
      // LOCAL (the proxy's own connection, e.g. a health check): the socket's address.
      (address) => {
        socket.removeAllListeners('error');
        if (socket.destroyed) return;
        open(socket, address ?? socket.remoteAddress);
        socket.resume(); // paused while the header was read; what followed it was put back
      },
      (err: Error) => {
        proxyProtocol.onError?.(err);
        socket.destroy();
      },
    );
  });
}

/**
 * The same over TLS: every connection whose handshake succeeds becomes a session. A failed
 * handshake (wrong version, scanner, bad client certificate with rejectUnauthorized) just closes
 * that socket ('tlsClientError' on the server).
 */
export function createSmppTlsServer(onSession: (s: SmppSession) => void, tls: TlsOptions, opts: SmppServerOptions = {}): TlsServer {
  const { admit, ...sessionOpts } = opts;
  const server = createTlsServer(tls, (socket) => onSession(new SmppSession({ ...sessionOpts, socket })));
  // Before node:tls wraps the socket: a refused connection costs no handshake.
  if (admit) server.prependListener('connection', (socket: Socket) => void (admit(socket, socket.remoteAddress) || socket.destroy()));
  return server;
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
