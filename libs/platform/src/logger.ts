import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line, at any depth (compared lower-cased). */
const SECRET_KEYS = new Set([
  'password',
  'passwordhash',
  'passphrase',
  'secretaccesskey',
  'sessiontoken',
  'token',
  'metricstoken',
  'authorization',
  'privatekey',
  'pfx',
]);
/** TLS material: redacted when it holds the PEM or DER itself (a file path stays readable). */
const TLS_KEYS = new Set(['key', 'cert', 'ca']);
const CENSOR = '[redacted]';
const MAX_DEPTH = 8;

const isPem = (v: unknown) => typeof v === 'string' && v.includes('-----BEGIN ');

/**
 * The value with every secret replaced by `[redacted]`: a copy of the objects on the way to a
 * secret, the value itself when there is none (the common case costs one walk, no allocation).
 * A walk rather than pino's `redact` paths: those only reach the depths they spell out, and
 * each wildcard path costs several µs per log line (40 paths: ~45 µs), this ~1 µs at any depth.
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return isPem(value) ? (CENSOR as T) : value;
  if (value instanceof Error || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((item, i) => {
      const r = redactSecrets(item, depth + 1);
      if (r !== item) (out ??= value.slice())[i] = r;
    });
    return (out ?? value) as T;
  }
  let out: Record<string, unknown> | undefined;
  const obj = value as Record<string, unknown>;
  for (const k in obj) {
    const v = obj[k];
    const lower = k.toLowerCase();
    let r: unknown;
    if (v !== undefined && v !== null && SECRET_KEYS.has(lower)) r = CENSOR;
    else if (TLS_KEYS.has(lower) && (ArrayBuffer.isView(v) || isPem(v))) r = CENSOR;
    else r = redactSecrets(v, depth + 1);
    if (r !== v) (out ??= { ...obj })[k] = r;
  }
  return (out ?? value) as T;
}

/**
 * Child bindings are not passed through `formatters` by pino (only the root's are), so `child`
 * redacts them itself; children of children inherit it.
 */
function redactChildBindings(root: Logger): Logger {
  const pinoChild = Object.getPrototypeOf(root).child as Logger['child'];
  root.child = function (this: Logger, bindings, options) {
    return pinoChild.call(this, redactSecrets(bindings), options);
  } as Logger['child'];
  return root;
}

/**
 * The one root logger of a process: JSON lines on stdout (or `out`, for tests), and — when a
 * journal destination is given — its warnings and errors there too. Secrets never reach it:
 * passwords, tokens, keys and authorization headers are redacted at any depth if passed by
 * mistake (a whole config object included), in child bindings too.
 */
export function createLogger(app: string, level = 'info', journal?: DestinationStream, out?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: app,
    level,
    base: { app, pid: process.pid },
    formatters: { log: (obj) => redactSecrets(obj) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (!journal || level === 'silent') return redactChildBindings(out ? pino(options, out) : pino(options));
  const stdout = out ?? pino.destination({ dest: 1, sync: false });
  return redactChildBindings(
    pino(
      options,
      pino.multistream([
        { level: level as pino.Level, stream: stdout },
        { level: 'warn', stream: journal },
      ]),
    ),
  );
}
