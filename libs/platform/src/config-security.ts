import { isIP } from 'node:net';
import { z } from 'zod';
import { passwordHashProblem } from './password-hash';

const port = z.number().int().min(0).max(65535);
const ms = z.number().int().min(0);

/** An address or a CIDR block, IPv4 or IPv6 ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7"). */
export const cidrSchema = z.string().refine(
  (s) => {
    const [addr, bits, extra] = s.split('/');
    const v = isIP(addr ?? '');
    if (!v || extra !== undefined) return false;
    if (bits === undefined) return true;
    if (!/^[0-9]{1,3}$/.test(bits)) return false;
    return Number(bits) <= (v === 4 ? 32 : 128);
  },
  { message: 'an IPv4/IPv6 address or CIDR block (e.g. 10.0.0.0/8, 2001:db8::/32)' },
);

/**
 * `ingress.tls`: an SMPP-over-TLS listener beside the plain one (or instead of it, `only`).
 * Files are PEM paths, read at start and again on SIGHUP.
 */
export const ingressTlsSchema = z.strictObject({
  port: port.default(3550),
  cert: z.string().min(1),
  key: z.string().min(1),
  /** CA bundle that client certificates must chain to (mTLS). */
  ca: z.string().min(1).optional(),
  /** Ask clients for a certificate; a client with `clients[].certSubject` must present a matching one. */
  requestCert: z.boolean().default(false),
  /** No plain listener: only TLS. */
  only: z.boolean().default(false),
  minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
});

/** `ingress.auth`: failed binds of one system_id from one address lock that pair out for a while. */
export const ingressAuthSchema = z.strictObject({
  /** Failed binds within `windowMs` that start a lockout. */
  maxFailures: z.number().int().min(1).default(5),
  windowMs: ms.min(1_000).default(300_000),
  /** First lockout; each further one of the same pair doubles it, up to maxLockoutMs. */
  lockoutMs: ms.min(1_000).default(60_000),
  maxLockoutMs: ms.min(1_000).default(3_600_000),
  /** A failed bind is answered this long after it came (slows guessing on one connection). */
  failureDelayMs: ms.max(10_000).default(250),
});

/** `ingress.connections`: caps that keep idle or hostile sockets from locking real clients out. */
export const ingressConnectionsSchema = z.strictObject({
  /** Open client connections (bound or not) per ingress process; more are closed at accept. */
  max: z.number().int().min(1).default(2_000),
  /** Open connections from one IP address. */
  perAddress: z.number().int().min(1).default(50),
  /** Connections not yet bound, per ingress process. */
  maxUnbound: z.number().int().min(1).default(200),
  /** Largest PDU accepted before a bind (a bind with every field at its longest is 98 octets). */
  maxPduBeforeBind: z.number().int().min(128).max(65_536).default(512),
});

/** `smscs[].tls`: the SMSC link over TLS. PEM paths. */
export const smscTlsSchema = z.strictObject({
  ca: z.string().min(1).optional(),
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  /** SNI and the name the certificate must carry (default: the host). */
  servername: z.string().min(1).optional(),
  rejectUnauthorized: z.boolean().default(true),
  minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
});

/** A PHC string of scrypt: `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt b64>$<hash b64>`. */
export const passwordHashSchema = z
  .string()
  .regex(/^\$scrypt\$ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/, 'a $scrypt$ln=…,r=…,p=…$salt$hash PHC string (make one with `npm run hash-password`)')
  // Cost bounds too: a hash with ln=30 would stall every bind of that client for minutes.
  .superRefine((s, ctx) => {
    const problem = passwordHashProblem(s);
    if (problem && !problem.startsWith('not a')) ctx.addIssue({ code: 'custom', message: problem });
  });
