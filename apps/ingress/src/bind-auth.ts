import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BlockList, isIPv4, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import {
  DEFAULT_SCRYPT,
  hashPassword,
  parsePasswordHash,
  verifyPassword,
  type ClientConfig,
  type PasswordHash,
  type ScryptParams,
} from '@smsgw/platform';

export type BindMode = 'transmitter' | 'receiver' | 'transceiver';

/** SMPP v3.4 §5.1.3 statuses used at bind. */
const ESME_RBINDFAIL = 0x0d;

export type BindResult = { ok: true; client: ClientConfig } | { ok: false; status: number; reason: string };

export interface BindRequest {
  systemId: string;
  password: string;
  mode: BindMode;
  /** The client's connection: on the TLS listener, its certificate. */
  socket: Socket;
  /** The client's address (a PROXY header's when behind a load balancer); default: the socket's. */
  address?: string;
}

export interface AuthenticatorOptions {
  /** scrypt cost of the decoy and of plaintext passwords (default: the first passwordHash's, else DEFAULT_SCRYPT). */
  params?: ScryptParams;
  /** How long a verified password is remembered so a rebind skips scrypt (default 10 min; 0 = off). */
  cacheMs?: number;
  /** scrypt runs at once (default 2): the rest of libuv's pool of 4 stays free for files and DNS. */
  maxConcurrent?: number;
}

/** At most `n` of the functions run at once; the others wait in arrival order. */
function concurrencyLimit(n: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((r) => waiting.push(r));
    else running++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

interface Entry {
  client: ClientConfig;
  hash: Promise<PasswordHash>;
  allowed?: BlockList;
}

/** "::ffff:10.1.2.3" (IPv4-mapped, as a dual-stack listener reports it) → "10.1.2.3". */
export function plainAddress(address: string): string {
  const m = /^::ffff:([0-9.]+)$/i.exec(address);
  return m && isIPv4(m[1]!) ? m[1]! : address;
}

/** A BlockList of `allowedIps`; undefined when the list is empty (every address may bind). */
export function allowList(cidrs: readonly string[]): BlockList | undefined {
  if (!cidrs.length) return undefined;
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/') as [string, string | undefined];
    const type = isIPv4(addr) ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

export function addressAllowed(list: BlockList | undefined, remote: string | undefined): boolean {
  if (!list) return true;
  if (!remote) return false;
  const addr = plainAddress(remote);
  return list.check(addr, isIPv4(addr) ? 'ipv4' : 'ipv6');
}

/** `certSubject`: a TLS connection whose certificate the CA vouched for, with exactly that subject CN. */
export function certMatches(socket: Socket, subject: string): boolean {
  if (!(socket instanceof TLSSocket) || socket.authorized !== true) return false;
  const cn: unknown = socket.getPeerCertificate()?.subject?.CN;
  return typeof cn === 'string' && cn === subject;
}

/**
 * Checks a bind against the configured clients. Every password check is one scrypt on the
 * libuv pool (the event loop never waits for it): plaintext passwords are hashed once at start,
 * and an unknown system_id is checked against a decoy of the same cost, so unknown user and
 * wrong password answer the same status after the same work (SMPP.md: no account enumeration).
 * Address and certificate rules are applied after the password check, for the same reason.
 *
 * A flood of binds queues for scrypt (maxConcurrent) instead of taking every libuv thread.
 *
 * Cache: a verified password is remembered per system_id as an HMAC under a key that exists only
 * in this process, for cacheMs, so clients that rebind often don't pay scrypt each time. Only
 * the exact password that was verified hits it; a wrong one always pays the full scrypt.
 */
export type Authenticator = ((req: BindRequest) => Promise<BindResult>) & {
  /**
   * The clients changed (run-time registry): unchanged passwords keep their precomputed hash; a
   * changed or removed client's cached password is forgotten, so the old one no longer binds.
   */
  update(clients: readonly ClientConfig[]): void;
};

export function createAuthenticator(clients: readonly ClientConfig[], opts: AuthenticatorOptions = {}): Authenticator {
  const firstHash = clients.find((c) => c.passwordHash)?.passwordHash;
  const params = opts.params ?? (firstHash ? parsePasswordHash(firstHash) : DEFAULT_SCRYPT);
  const cacheMs = opts.cacheMs ?? 600_000;
  const hashOf = (c: ClientConfig) => (c.passwordHash ? Promise.resolve(parsePasswordHash(c.passwordHash)) : hashPassword(c.password ?? randomBytes(16).toString('hex'), params).then(parsePasswordHash));
  const entryOf = (c: ClientConfig, hash = hashOf(c)): Entry => {
    // Keep a rejected precomputation (cannot happen with valid config) from being unhandled.
    hash.catch(() => undefined);
    return { client: c, hash, allowed: allowList(c.allowedIps) };
  };
  let byId = new Map<string, Entry>(clients.map((c) => [c.systemId, entryOf(c)]));
  const decoy = hashPassword(randomBytes(16).toString('hex'), params).then(parsePasswordHash);
  decoy.catch(() => undefined);
  const limit = concurrencyLimit(Math.max(1, opts.maxConcurrent ?? 2));
  const cacheKey = randomBytes(32);
  const cache = new Map<string, { mac: Buffer; until: number }>();
  const macOf = (sys: string, pw: string) => createHmac('sha256', cacheKey).update(sys).update('\u0000').update(pw).digest();

  const passwordOk = async (sys: string, entry: Entry | undefined, password: string): Promise<boolean> => {
    if (!entry) {
      const h = await decoy;
      await limit(() => verifyPassword(password, h));
      return false;
    }
    const mac = macOf(sys, password);
    const hit = cache.get(sys);
    if (hit && hit.until > Date.now() && timingSafeEqual(hit.mac, mac)) return true;
    const h = await entry.hash;
    const ok = await limit(() => verifyPassword(password, h));
    if (ok && cacheMs > 0) cache.set(sys, { mac, until: Date.now() + cacheMs });
    return ok;
  };

  const update = (next: readonly ClientConfig[]) => {
    const entries = new Map<string, Entry>();
    for (const c of next) {
      const old = byId.get(c.systemId);
      const samePassword = old && old.client.password === c.password && old.client.passwordHash === c.passwordHash;
      if (!samePassword) cache.delete(c.systemId);
      entries.set(c.systemId, old?.client === c ? old : entryOf(c, samePassword ? old.hash : undefined));
    }
    for (const sys of byId.keys()) if (!entries.has(sys)) cache.delete(sys);
    byId = entries;
  };

  const authenticate = async ({ systemId, password, mode, socket, address = socket.remoteAddress }: BindRequest): Promise<BindResult> => {
    const entry = byId.get(systemId);
    const refuse = (reason: string): BindResult => ({ ok: false, status: ESME_RBINDFAIL, reason });
    if (!(await passwordOk(systemId, entry, password)) || !entry) return refuse('bad credentials');
    const client = entry.client;
    if (!addressAllowed(entry.allowed, address)) return refuse('address not in allowedIps');
    if (client.certSubject !== undefined && !certMatches(socket, client.certSubject)) return refuse('client certificate does not match certSubject');
    if (!client.bindTypes.includes(mode)) return refuse(`bind type ${mode} not allowed`);
    return { ok: true, client };
  };
  return Object.assign(authenticate, { update });
}

/** Clients configured with a plaintext `password` (ingress warns about them at start). */
export function plaintextClients(clients: readonly ClientConfig[]): string[] {
  return clients.filter((c) => c.password !== undefined).map((c) => c.systemId);
}
