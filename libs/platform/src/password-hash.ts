import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt parameters of a PHC string: N = 2^ln, block size r, parallelism p. */
export interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

export interface PasswordHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

/**
 * Default cost: N = 2^15, r = 8 (32 MiB, tens of ms on one core). SMPP passwords are at most
 * 8 characters, so a leaked config must not be cheap to brute-force; binds are rare enough.
 */
export const DEFAULT_SCRYPT: ScryptParams = { ln: 15, r: 8, p: 1 };

/** Bounds a config may use: enough for strong hashes, not enough to hang a bind for seconds. */
const LIMITS = { ln: [10, 20], r: [1, 32], p: [1, 16], salt: [8, 64], hash: [16, 64] } as const;

const PHC = /^\$scrypt\$ln=([0-9]+),r=([0-9]+),p=([0-9]+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** Parses `$scrypt$ln=…,r=…,p=…$salt$hash`; throws an Error naming what is wrong. */
export function parsePasswordHash(phc: string): PasswordHash {
  const m = PHC.exec(phc);
  if (!m) throw new Error('not a $scrypt$ln=…,r=…,p=…$salt$hash PHC string');
  const h: PasswordHash = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]), salt: Buffer.from(m[4]!, 'base64'), hash: Buffer.from(m[5]!, 'base64') };
  const bad = scryptParamsProblem(h);
  if (bad) throw new Error(bad);
  for (const k of ['salt', 'hash'] as const) {
    const [lo, hi] = LIMITS[k];
    if (h[k].length < lo || h[k].length > hi) throw new Error(`${k} must be ${lo}..${hi} bytes, is ${h[k].length}`);
  }
  return h;
}

/** What is wrong with these parameters (out of the bounds a config may use), or undefined. */
export function scryptParamsProblem(params: ScryptParams): string | undefined {
  for (const k of ['ln', 'r', 'p'] as const) {
    const [lo, hi] = LIMITS[k];
    if (!(Number.isInteger(params[k]) && params[k] >= lo && params[k] <= hi)) return `${k}=${params[k]} is outside ${lo}..${hi}`;
  }
  return undefined;
}

/** The error of parsePasswordHash, or undefined when the string is usable (for config refines). */
export function passwordHashProblem(phc: string): string | undefined {
  try {
    parsePasswordHash(phc);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Runs on the libuv pool (async), so a bind never blocks the event loop for the hash. */
export function scryptHash(password: string | Buffer, salt: Buffer, params: ScryptParams, keylen: number): Promise<Buffer> {
  const N = 2 ** params.ln;
  // Node refuses when 128·N·r·p exceeds maxmem (default 32 MiB, exactly the default cost): give room.
  const maxmem = 256 * N * params.r * params.p;
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keylen, { N, r: params.r, p: params.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** A new PHC string for `password` with a random 16-byte salt and a 32-byte hash. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptHash(password, salt, params, 32);
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

/** Constant-time compare of scrypt(password) with the stored hash. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const got = await scryptHash(password, stored.salt, stored, stored.hash.length);
  return timingSafeEqual(got, stored.hash);
}
