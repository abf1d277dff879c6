import type { Socket } from 'node:net';

/** PROXY protocol v2's 12-octet signature (haproxy's proxy-protocol.txt §2.2). */
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** A v1 line is at most 107 octets, CRLF included (§2.1). */
const V1_MAX = 107;
/** Addresses and TLVs of a v2 header beyond this are refused (a proxy sends far less). */
const V2_MAX_BODY = 4_096;

export class ProxyHeaderError extends Error {
  override name = 'ProxyHeaderError';
}

/**
 * What a complete PROXY header says: the client's address (undefined for a LOCAL/UNKNOWN
 * connection — the proxy's own, e.g. a health check) and how many octets it took; `null` while
 * more octets are needed. Throws ProxyHeaderError on anything that is not a PROXY header.
 */
export function parseProxyHeader(buf: Buffer): { address: string | undefined; length: number } | null {
  const sigLen = Math.min(buf.length, V2_SIGNATURE.length);
  if (buf.subarray(0, sigLen).equals(V2_SIGNATURE.subarray(0, sigLen))) {
    if (buf.length < 16) return null;
    const verCmd = buf[12]!;
    if (verCmd >> 4 !== 2) throw new ProxyHeaderError(`PROXY v2: version ${verCmd >> 4}`);
    const len = buf.readUInt16BE(14);
    if (len > V2_MAX_BODY) throw new ProxyHeaderError(`PROXY v2: ${len} octets of addresses and TLVs`);
    if (buf.length < 16 + len) return null;
    const cmd = verCmd & 0x0f;
    if (cmd === 0x0) return { address: undefined, length: 16 + len }; // LOCAL
    if (cmd !== 0x1) throw new ProxyHeaderError(`PROXY v2: command ${cmd}`);
    const family = buf[13]! >> 4;
    const body = buf.subarray(16, 16 + len);
    if (family === 0x1 && body.length >= 12) return { address: [...body.subarray(0, 4)].join('.'), length: 16 + len };
    if (family === 0x2 && body.length >= 36) {
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(body.readUInt16BE(i).toString(16));
      return { address: groups.join(':'), length: 16 + len };
    }
    return { address: undefined, length: 16 + len }; // UNSPEC or UNIX: no IP to speak of
  }
  const prefix = 'PROXY ';
  const head = buf.subarray(0, Math.min(buf.length, prefix.length)).toString('latin1');
  if (!prefix.startsWith(head)) throw new ProxyHeaderError('no PROXY header');
  const end = buf.indexOf('\r\n');
  if (end < 0) {
    if (buf.length >= V1_MAX) throw new ProxyHeaderError('PROXY v1: no CRLF within 107 octets');
    return null;
  }
  if (end + 2 > V1_MAX) throw new ProxyHeaderError('PROXY v1: line over 107 octets');
  const [, proto, src] = buf.subarray(0, end).toString('latin1').split(' ');
  if (proto === 'UNKNOWN') return { address: undefined, length: end + 2 };
  if ((proto !== 'TCP4' && proto !== 'TCP6') || !src) throw new ProxyHeaderError(`PROXY v1: bad line`);
  return { address: src, length: end + 2 };
}

/**
 * Reads the PROXY header (v1 or v2) a load balancer sends first on each connection (HAProxy
 * `send-proxy` / `send-proxy-v2`) and resolves with the client's address; the octets after it
 * are put back for the SMPP session. Rejects (and the caller closes the socket) when the
 * connection does not start with one within `timeoutMs`.
 */
export function readProxyHeader(socket: Socket, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const done = (err: Error | undefined, address?: string, rest?: Buffer) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      if (err) return reject(err);
      if (rest?.length) socket.unshift(rest);
      resolve(address);
    };
    const onData = (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      try {
        const h = parseProxyHeader(buf);
        if (h) done(undefined, h.address, buf.subarray(h.length));
      } catch (err) {
        done(err as Error);
      }
    };
    const onClose = () => done(new ProxyHeaderError('closed before its PROXY header'));
    const timer = setTimeout(() => done(new ProxyHeaderError(`no PROXY header within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}
