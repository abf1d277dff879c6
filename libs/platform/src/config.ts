import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { gatewayConfigSchema, type GatewayConfig } from './config-schema';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The embedded defaults: what `npm start` runs with no file. One demo client, the bundled SMSC
 * simulator as the only upstream, Redis on localhost, the embedded S3 server.
 */
export const EMBEDDED_DEFAULTS = {
  clients: [{ systemId: 'demo', password: 'demo' }],
  smscs: [{ id: 'sim', host: '127.0.0.1', port: 2776, systemId: 'gw', password: 'gw', sessions: 2, window: 200 }],
  routes: [{ prefix: '', smscs: ['sim'] }],
};

type Env = Record<string, string | undefined>;

/**
 * An environment variable: NAME, or — when NAME is unset or empty and NAME_FILE is set — the
 * content of that file without its one trailing newline (the Docker/Kubernetes secrets
 * convention: the secret is mounted as a file, not put in the environment).
 */
function fromEnv(env: Env, name: string, where: string): string | undefined {
  const v = env[name];
  const file = env[`${name}_FILE`];
  if ((v === undefined || v === '') && file) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new ConfigError(`config: ${where}: cannot read ${name}_FILE (${file}): ${(err as Error).message}`);
    }
  }
  return v;
}

/**
 * `${NAME}` in any string value is replaced by the environment variable NAME (secrets stay out
 * of files). NAME is upper case, digits and _; anything else between `${` and `}` is refused
 * rather than left as literal text (a `${lowercase}` typo would otherwise become a password).
 */
function interpolate(value: unknown, env: Env, path: string[]): unknown {
  if (typeof value === 'string') {
    const where = path.join('.') || '(root)';
    return value.replace(/\$\{([^}]*)\}/g, (ref, name: string) => {
      if (!/^[A-Z0-9_]+$/.test(name)) throw new ConfigError(`config: ${where}: ${ref} is not a variable reference: names are A-Z, 0-9 and _`);
      const v = fromEnv(env, name, where);
      if (v === undefined) throw new ConfigError(`config: ${where}: environment variable ${name} is not set`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, String(i)]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, [...path, k])]));
  }
  return value;
}

function set(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const k of path.slice(0, -1)) {
    if (!cur[k] || typeof cur[k] !== 'object') cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

/** Endpoint and secret overrides from the environment (documented in docs/configuration.md). */
const ENV_OVERRIDES: Array<[string, string[], (v: string) => unknown]> = [
  ['REDIS_URL', ['redis', 'url'], String],
  ['REDIS_PREFIX', ['redis', 'prefix'], String],
  ['STATE_BACKEND', ['state', 'backend'], String],
  ['AEROSPIKE_HOSTS', ['state', 'aerospike', 'hosts'], String],
  ['AEROSPIKE_NAMESPACE', ['state', 'aerospike', 'namespace'], String],
  ['S3_ENDPOINT', ['s3', 'endpoint'], String],
  ['S3_REGION', ['s3', 'region'], String],
  ['S3_ACCESS_KEY_ID', ['s3', 'accessKeyId'], String],
  ['S3_SECRET_ACCESS_KEY', ['s3', 'secretAccessKey'], String],
  ['INGRESS_PORT', ['ingress', 'port'], Number],
  ['LOG_LEVEL', ['log', 'level'], String],
];

export interface LoadConfigOptions {
  /** YAML file path; absent: embedded defaults. */
  path?: string;
  /** YAML text (tests); wins over path. */
  text?: string;
  env?: Env;
}

/**
 * Every section is strict, so a misspelt key (`ingress.tsl`) is an error rather than a setting
 * silently left at its default. zod reports unknown keys at the enclosing object; each becomes
 * its own issue at the key's own path, so the message names `ingress.tsl`, not `ingress`.
 */
function unknownKeysAtTheirPath(issues: z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue): z.core.$ZodIssue[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ ...issue, keys: [key], path: [...issue.path, key], message: 'unknown key (misspelt, or not a setting of this section)' }))
      : [issue],
  );
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    Object.values(o).forEach(deepFreeze);
    Object.freeze(o);
  }
  return o;
}

/** Loads, overrides, validates and freezes the configuration; any problem is a ConfigError naming the field. */
export function loadConfig(opts: LoadConfigOptions = {}): GatewayConfig {
  const env = opts.env ?? {};
  let raw: unknown = EMBEDDED_DEFAULTS;
  let source = 'embedded defaults';
  if (opts.text !== undefined || opts.path) {
    source = opts.path ?? 'config text';
    let text = opts.text;
    if (text === undefined) {
      try {
        text = readFileSync(opts.path!, 'utf8');
      } catch (err) {
        throw new ConfigError(`config: cannot read ${opts.path}: ${(err as Error).message}`);
      }
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (err) {
      throw new ConfigError(`config: ${source} is not valid YAML: ${(err as Error).message}`);
    }
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`config: ${source}: the top level must be a mapping`);
  }
  const obj = interpolate(structuredClone(raw), env, []) as Record<string, unknown>;
  for (const [name, path, conv] of ENV_OVERRIDES) {
    const v = fromEnv(env, name, `${name} (overrides ${path.join('.')})`);
    if (v !== undefined && v !== '') set(obj, path, conv(v));
  }
  const parsed = gatewayConfigSchema.safeParse(obj);
  if (!parsed.success) {
    throw new ConfigError(`config: ${source} is invalid:\n${z.prettifyError(new z.ZodError(unknownKeysAtTheirPath(parsed.error.issues)))}`);
  }
  return deepFreeze(parsed.data);
}
