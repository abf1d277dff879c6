import { afterEach, describe, expect, it } from 'vitest';
import { clientSchema, parsePasswordHash, verifyPassword, type ClientConfig } from '@smsgw/platform';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { clientRegistryKeys, createClientControl, createClientRegistry, InvalidClientError, readClients, storableClient, type ClientChange } from './client-registry';
import { createBindReports } from './client-binds';

const fileClients: ClientConfig[] = [clientSchema.parse({ systemId: 'acme', password: 'acmepw', maxSubmitRate: 5 })];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const namespace = async (name: string): Promise<RedisNamespace> => {
  const ns = await redisNamespace(name);
  cleanups.push(() => ns.cleanup());
  return ns;
};
const registry = (ns: RedisNamespace, errors: unknown[] = []) => {
  const logger = { error: (fields: unknown) => errors.push(fields), warn: () => undefined, info: () => undefined } as never;
  const r = createClientRegistry({ redis: ns.redis, prefix: ns.prefix, fileClients, pollMs: 50, logger });
  cleanups.push(() => r.stop());
  return r;
};

describe('client registry (real Redis)', () => {
  it('a run-time client overrides the config one; its password is stored hashed; removing it restores the config client', async () => {
    const ns = await namespace('client-registry');
    const control = createClientControl(ns.redis, ns.prefix);
    const v1 = await control.put({ systemId: 'rt1', password: 'secret', maxBinds: 2 });
    const v2 = await control.put({ systemId: 'acme', password: 'newpw', maxSubmitRate: 50 });
    expect(v2.version).toBe(v1.version + 1);
    // Nothing in Redis holds the plaintext; the hash verifies the password.
    const raw = await ns.redis.hgetall(clientRegistryKeys(ns.prefix).runtime);
    expect(Object.values(raw).join('')).not.toContain('secret');
    const stored = JSON.parse(raw.rt1!) as { passwordHash: string; password?: string };
    expect(stored.password).toBeUndefined();
    expect(await verifyPassword('secret', parsePasswordHash(stored.passwordHash))).toBe(true);

    let snap = await readClients(ns.redis, ns.prefix, fileClients);
    expect(snap.version).toBe(v2.version);
    expect([...snap.clients.keys()].sort()).toEqual(['acme', 'rt1']);
    expect(snap.clients.get('acme')).toMatchObject({ source: 'runtime', client: { maxSubmitRate: 50 } });
    expect(snap.clients.get('rt1')).toMatchObject({ source: 'runtime', client: { maxBinds: 2, bindTypes: ['transmitter', 'receiver', 'transceiver'] } });

    expect((await control.remove('acme')).removed).toBe(true);
    expect((await control.remove('acme')).removed).toBe(false);
    snap = await readClients(ns.redis, ns.prefix, fileClients);
    expect(snap.clients.get('acme')).toMatchObject({ source: 'config', client: { maxSubmitRate: 5, password: 'acmepw' } });
  });

  it('refuses an invalid client naming the field, before anything is stored', async () => {
    const ns = await namespace('client-registry-invalid');
    const control = createClientControl(ns.redis, ns.prefix);
    await expect(control.put({ systemId: 'rt1', password: 'pw', maxBinds: 0 })).rejects.toThrow(InvalidClientError);
    await expect(storableClient({ systemId: 'rt1', password: 'pw', routes: [{ prefix: 'x4', smscs: ['a'] }] })).rejects.toMatchObject({ field: 'routes.0.prefix' });
    await expect(storableClient({ systemId: 'rt1' })).rejects.toMatchObject({ field: 'password' });
    expect(await ns.redis.exists(clientRegistryKeys(ns.prefix).runtime, clientRegistryKeys(ns.prefix).version)).toBe(0);
  });

  it('every watcher follows a change within its poll: added, changed, suspended, resumed, disconnected, removed', async () => {
    const ns = await namespace('client-registry-watch');
    const control = createClientControl(ns.redis, ns.prefix);
    // A disconnect asked before a watcher started is history to it, never acted on.
    await control.disconnect('acme');
    const a = registry(ns);
    const b = registry(ns);
    await Promise.all([a.start(), b.start()]);
    expect(a.all().map((c) => c.systemId)).toEqual(['acme']);
    const events: ClientChange[] = [];
    a.onChange((c) => events.push(c));
    const acme = a.get('acme');

    await control.put({ systemId: 'rt1', password: 'pw', maxSubmitRate: 7 });
    await expect.poll(() => b.get('rt1')?.maxSubmitRate, { timeout: 2_000, interval: 20 }).toBe(7);
    await expect.poll(() => events.length, { timeout: 2_000, interval: 20 }).toBe(1);
    expect(events[0]).toEqual({ changed: ['rt1'], removed: [], suspended: [], resumed: [], disconnect: [] });
    // Unchanged clients keep their object.
    expect(a.get('acme')).toBe(acme);
    expect(a.source('rt1')).toBe('runtime');

    await control.suspend('acme', 'ops', 1);
    await expect.poll(() => events.length, { timeout: 2_000, interval: 20 }).toBe(2);
    expect(events[1]!.suspended).toEqual(['acme']);
    expect(a.isSuspended('acme')).toBe(true);
    await control.resume('acme');
    await control.disconnect('rt1');
    await expect.poll(() => a.isSuspended('acme'), { timeout: 2_000, interval: 20 }).toBe(false);
    await expect.poll(() => events.flatMap((e) => e.disconnect), { timeout: 2_000, interval: 20 }).toEqual(['rt1']);
    expect(events.flatMap((e) => e.resumed)).toEqual(['acme']);

    await control.remove('rt1', { clearSuspension: true });
    await expect.poll(() => events.flatMap((e) => e.removed), { timeout: 2_000, interval: 20 }).toEqual(['rt1']);
    expect(a.get('rt1')).toBeUndefined();
    await expect.poll(() => b.all().map((c) => c.systemId), { timeout: 2_000, interval: 20 }).toEqual(['acme']);
  });

  it('an invalid run-time entry is logged and skipped, the config client of its id stays in force', async () => {
    const ns = await namespace('client-registry-bad');
    const keys = clientRegistryKeys(ns.prefix);
    await ns.redis.hset(keys.runtime, 'acme', JSON.stringify({ systemId: 'acme', passwordHash: 'nope', maxBinds: 'many' }));
    await ns.redis.hset(keys.runtime, 'junk', '{not json');
    await ns.redis.hset(keys.runtime, 'good', JSON.stringify({ systemId: 'good', passwordHash: (await storableClient({ systemId: 'good', password: 'pw' })).passwordHash }));
    await ns.redis.incr(keys.version);
    const errors: Array<{ systemId: string }> = [];
    const r = registry(ns, errors);
    await r.start();
    expect(r.all().map((c) => `${c.systemId}:${r.source(c.systemId)}`).sort()).toEqual(['acme:config', 'good:runtime']);
    expect(errors.map((e) => e.systemId).sort()).toEqual(['acme', 'junk']);
  });
});

describe('bind reports (real Redis)', () => {
  it("each ingress's latest report; a withdrawn or stale one is gone", async () => {
    const ns = await namespace('client-binds');
    const reports = createBindReports(ns.redis, ns.prefix);
    const now = Date.now();
    const bind = { systemId: 'acme', session: 's1', mode: 'transceiver' as const, address: '127.0.0.1', since: now - 5_000, submits: 10, rate: 2 };
    await reports.report({ instance: 'ingress-1', at: now, binds: [bind] }, 5_000);
    await reports.report({ instance: 'ingress-2', at: now, binds: [] }, 5_000);
    await reports.report({ instance: 'ingress-old', at: now - 60_000, binds: [bind] }, 5_000);
    const got = await reports.reports(now);
    expect(got.map((r) => r.instance).sort()).toEqual(['ingress-1', 'ingress-2']);
    expect(got.find((r) => r.instance === 'ingress-1')?.binds).toEqual([bind]);
    await reports.withdraw('ingress-1');
    expect((await reports.reports(now)).map((r) => r.instance)).toEqual(['ingress-2']);
  });
});
