import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { clientSchema, hashPassword, type ClientConfig, type Logger } from '@smsgw/platform';
import type { ChainableCommander } from 'ioredis';
import type { Redis } from './redis-client';

/**
 * Clients added or changed at run time, beside those of the config file. The keys share one
 * hash tag, so a change and the version bump that announces it are one MULTI on Redis Cluster
 * too. `runtime`: field = systemId, value = the client as the YAML would give it, with a
 * passwordHash (never a plaintext password). `suspended` is apart from it so config clients
 * can be suspended without being copied. `disconnect`: a fresh id per request, so every
 * ingress sees a new request once.
 */
export const clientRegistryKeys = (prefix: string) => ({
  runtime: `${prefix}:clients:{registry}:runtime`,
  suspended: `${prefix}:clients:{registry}:suspended`,
  disconnect: `${prefix}:clients:{registry}:disconnect`,
  version: `${prefix}:clients:{registry}:version`,
});

export const suspensionSchema = z.object({ by: z.string(), at: z.number() });
export type Suspension = z.infer<typeof suspensionSchema>;

export type ClientSource = 'config' | 'runtime';

export interface RegisteredClient {
  client: ClientConfig;
  source: ClientSource;
  /** A run-time client as stored (input form, passwordHash); absent for config clients. */
  stored?: Record<string, unknown>;
}

export interface ClientsSnapshot {
  /** Bumped by every change; -1 until Redis was read. */
  version: number;
  /** The clients in force: a run-time entry overrides the config client of its systemId. */
  clients: Map<string, RegisteredClient>;
  suspended: Map<string, Suspension>;
  /** Each client's latest disconnect request id. */
  disconnects: Map<string, string>;
}

/** A run-time client Redis holds that the schema refuses (written by a newer version, or by hand). */
export type InvalidClient = (systemId: string, reason: string) => void;

const jsonOf = (raw: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
};

function snapshotOf(version: number, file: readonly ClientConfig[], runtime: Record<string, string>, suspended: Record<string, string>, disconnects: Record<string, string>, invalid?: InvalidClient): ClientsSnapshot {
  const clients = new Map<string, RegisteredClient>(file.map((c) => [c.systemId, { client: c, source: 'config' }]));
  for (const [sys, raw] of Object.entries(runtime)) {
    const stored = jsonOf(raw);
    const parsed = clientSchema.safeParse(stored);
    if (!parsed.success) invalid?.(sys, z.prettifyError(parsed.error));
    else if (parsed.data.systemId !== sys) invalid?.(sys, `entry names systemId "${parsed.data.systemId}"`);
    else clients.set(sys, { client: parsed.data, source: 'runtime', stored: stored as Record<string, unknown> });
  }
  const susp = new Map<string, Suspension>();
  for (const [sys, raw] of Object.entries(suspended)) {
    const s = suspensionSchema.safeParse(jsonOf(raw));
    if (s.success) susp.set(sys, s.data);
  }
  return { version, clients, suspended: susp, disconnects: new Map(Object.entries(disconnects)) };
}

/** The clients in force of a snapshot, as a list (what `clients[]` would be). */
export const clientsOf = (snap: ClientsSnapshot): ClientConfig[] => [...snap.clients.values()].map((e) => e.client);

/** The registry as it is now in Redis (one MULTI: a consistent view). */
export async function readClients(redis: Redis, prefix: string, fileClients: readonly ClientConfig[], invalid?: InvalidClient): Promise<ClientsSnapshot> {
  const k = clientRegistryKeys(prefix);
  const res = await redis.multi().get(k.version).hgetall(k.runtime).hgetall(k.suspended).hgetall(k.disconnect).exec();
  if (!res) throw new Error('client registry read aborted');
  for (const [err] of res) if (err) throw err;
  const [version, runtime, suspended, disconnects] = res.map(([, v]) => v) as [string | null, Record<string, string>, Record<string, string>, Record<string, string>];
  return snapshotOf(Number(version ?? 0), fileClients, runtime, suspended, disconnects, invalid);
}

/** A client body refused by clientSchema: `field` is its dotted path. */
export class InvalidClientError extends Error {
  override name = 'InvalidClientError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/**
 * What is stored for a client: validated by clientSchema, with `password` replaced by its
 * scrypt hash. Throws InvalidClientError naming the first bad field.
 */
export async function storableClient(input: Record<string, unknown>): Promise<Record<string, unknown>> {
  const parsed = clientSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidClientError(issue.path.join('.') || 'client', issue.message);
  }
  const { password, ...rest } = input;
  return typeof password === 'string' ? { ...rest, passwordHash: await hashPassword(password) } : rest;
}

/** The writes: each one bumps the version in the same MULTI, so every watcher reloads. */
export function createClientControl(redis: Redis, prefix: string) {
  const k = clientRegistryKeys(prefix);
  const run = async (m: ChainableCommander): Promise<unknown[]> => {
    const res = await m.incr(k.version).exec();
    if (!res) throw new Error('client registry write aborted');
    for (const [err] of res) if (err) throw err;
    return res.map(([, v]) => v);
  };
  const versionOf = (res: unknown[]) => Number(res[res.length - 1]);
  return {
    /** Stores a run-time client (see storableClient: a plaintext password is hashed here). */
    async put(input: Record<string, unknown> & { systemId: string }): Promise<{ version: number; stored: Record<string, unknown> }> {
      const stored = await storableClient(input);
      const res = await run(redis.multi().hset(k.runtime, input.systemId, JSON.stringify(stored)));
      return { version: versionOf(res), stored };
    },
    /** Removes a run-time client (and its suspension, when no config client is left under its id). */
    async remove(systemId: string, opts: { clearSuspension?: boolean } = {}): Promise<{ removed: boolean; version: number }> {
      const m = redis.multi().hdel(k.runtime, systemId);
      if (opts.clearSuspension) m.hdel(k.suspended, systemId);
      const res = await run(m);
      return { removed: Number(res[0]) > 0, version: versionOf(res) };
    },
    async suspend(systemId: string, by: string, at = Date.now()): Promise<number> {
      return versionOf(await run(redis.multi().hset(k.suspended, systemId, JSON.stringify({ by, at }))));
    },
    async resume(systemId: string): Promise<number> {
      return versionOf(await run(redis.multi().hdel(k.suspended, systemId)));
    },
    /** Asks every ingress to unbind this client's sessions now, once (it may bind again). */
    async disconnect(systemId: string): Promise<number> {
      return versionOf(await run(redis.multi().hset(k.disconnect, systemId, randomUUID())));
    },
  };
}

export type ClientControl = ReturnType<typeof createClientControl>;

/** What one reload changed (systemIds). */
export interface ClientChange {
  /** Added, or their settings changed. */
  changed: string[];
  /** No longer a client (a run-time one deleted, with no config client under its id). */
  removed: string[];
  /** Suspended by this change. */
  suspended: string[];
  resumed: string[];
  /** A disconnect was asked for. */
  disconnect: string[];
}

export interface ClientRegistryOptions {
  redis: Redis;
  prefix: string;
  /** `clients[]` of the config file. */
  fileClients: readonly ClientConfig[];
  /** How often the version key is read (a change is in force within about this long). */
  pollMs?: number;
  logger?: Logger;
}

/** How often the apps read the registry's version (default of createClientRegistry). */
export const CLIENT_POLL_MS = 500;

/**
 * The clients in force in this process, following the registry in Redis: one GET of the
 * version every `pollMs`, and a full read only when it moved. Lookups are Map reads. A run-time
 * entry that does not validate is logged and skipped (the config client of its id, if any,
 * stays in force), never a crash; a Redis that does not answer keeps the last view.
 */
export function createClientRegistry(o: ClientRegistryOptions) {
  const pollMs = o.pollMs ?? CLIENT_POLL_MS;
  let snap: ClientsSnapshot = snapshotOf(-1, o.fileClients, {}, {}, {});
  let list: ClientConfig[] = [...o.fileClients];
  const listeners = new Set<(change: ClientChange) => void>();
  const reported = new Set<string>();
  const invalid: InvalidClient = (sys, reason) => {
    // One line per bad entry and reason, not one per reload.
    if (reported.has(`${sys}\u0000${reason}`)) return;
    reported.add(`${sys}\u0000${reason}`);
    o.logger?.error({ systemId: sys, reason }, 'run-time client entry is invalid: skipped');
  };
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  let failing = false;

  const apply = (next: ClientsSnapshot) => {
    const prev = snap;
    const change: ClientChange = { changed: [], removed: [], suspended: [], resumed: [], disconnect: [] };
    for (const [sys, e] of next.clients) {
      const old = prev.clients.get(sys);
      // Unchanged clients keep their object: consumers may compare by identity.
      if (old && old.source === e.source && JSON.stringify(old.client) === JSON.stringify(e.client)) next.clients.set(sys, { ...e, client: old.client });
      else change.changed.push(sys);
    }
    for (const sys of prev.clients.keys()) if (!next.clients.has(sys)) change.removed.push(sys);
    for (const sys of next.suspended.keys()) if (!prev.suspended.has(sys)) change.suspended.push(sys);
    for (const sys of prev.suspended.keys()) if (!next.suspended.has(sys)) change.resumed.push(sys);
    // Requests older than this process's first read are history, not orders.
    if (prev.version >= 0) for (const [sys, id] of next.disconnects) if (prev.disconnects.get(sys) !== id) change.disconnect.push(sys);
    snap = next;
    list = clientsOf(next);
    if (Object.values(change).every((l) => l.length === 0)) return;
    for (const cb of listeners) {
      try {
        cb(change);
      } catch (err) {
        o.logger?.error({ err }, 'client registry listener failed');
      }
    }
  };

  const refresh = async (): Promise<boolean> => {
    const next = await readClients(o.redis, o.prefix, o.fileClients, invalid);
    if (next.version === snap.version) return false;
    apply(next);
    return true;
  };

  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      const v = Number((await o.redis.get(clientRegistryKeys(o.prefix).version)) ?? 0);
      if (v !== snap.version) await refresh();
      if (failing) o.logger?.info('client registry readable again');
      failing = false;
    } catch (err) {
      if (!failing) o.logger?.warn({ err }, 'client registry unreadable: the clients in force stay');
      failing = true;
    } finally {
      busy = false;
    }
  };

  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  return {
    /** Every client in force (config and run-time). */
    all: (): ClientConfig[] => list,
    get: (systemId: string): ClientConfig | undefined => snap.clients.get(systemId)?.client,
    source: (systemId: string): ClientSource | undefined => snap.clients.get(systemId)?.source,
    isSuspended: (systemId: string): boolean => snap.suspended.has(systemId),
    get version(): number {
      return snap.version;
    },
    /** Called after each reload that changed something; returns the unsubscribe. */
    onChange(cb: (change: ClientChange) => void): () => void {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    /** Reads the registry now (resolves true if it changed). */
    refresh,
    /** First read (a Redis away is logged; the config clients are in force meanwhile), then the poll. */
    async start(): Promise<void> {
      await poll();
      timer ??= setInterval(() => void poll(), pollMs);
      timer.unref();
    },
    stop,
    close: stop,
  };
}

export type ClientRegistry = ReturnType<typeof createClientRegistry>;

/** The client without its password or hash, as the admin API shows it. */
export function publicClient(c: ClientConfig): Omit<ClientConfig, 'password' | 'passwordHash'> {
  const { password: _p, passwordHash: _h, ...rest } = c;
  return rest;
}

/** The client as an audit record holds it: everything, secrets replaced by a marker. */
export function auditedClient(c: ClientConfig): Record<string, unknown> {
  return { ...c, ...(c.passwordHash !== undefined ? { passwordHash: '<hashed>' } : {}), ...(c.password !== undefined ? { password: '<plaintext>' } : {}) };
}
