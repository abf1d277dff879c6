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

/** `${NAME}` in any string value is replaced by the environment variable NAME (secrets stay out of files). */
function interpolate(value: unknown, env: Env, path: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined) throw new ConfigError(`config: ${path.join('.') || '(root)'}: environment variable ${name} is not set`);
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

/** Endpoint and secret overrides from the environment (documented in the README). */
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
    const v = env[name];
    if (v !== undefined && v !== '') set(obj, path, conv(v));
  }
  const parsed = gatewayConfigSchema.safeParse(obj);
  if (!parsed.success) {
    throw new ConfigError(`config: ${source} is invalid:\n${z.prettifyError(parsed.error)}`);
  }
  return deepFreeze(parsed.data);
}
