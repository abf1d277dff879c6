import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandJournalEntry, GROUPS } from '@smsgw/contracts';
import type { AdminRole } from '@smsgw/platform';
import { clientRegistryKeys, createBindReports, createClientBacklog, readClients } from '@smsgw/redis';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { bearer, startAdmin, type AdminFixture } from './admin-fixture';

let ns: RedisNamespace;
let fx: AdminFixture;

beforeAll(async () => {
  ns = await redisNamespace('admin-clients');
  fx = await startAdmin(ns);
});
afterAll(async () => {
  await fx?.close();
  await ns?.cleanup();
});

type Method = 'GET' | 'PUT' | 'DELETE' | 'POST';
const call = (method: Method, url: string, role: AdminRole | null, payload?: object) =>
  fx.app.inject({ method, url, headers: role ? bearer(role) : {}, ...(payload ? { payload } : {}) });
const list = async () => (await call('GET', '/v1/clients', 'viewer')).json().clients as Array<Record<string, any>>;
const one = async (sys: string) => (await call('GET', `/v1/clients/${sys}`, 'viewer')).json();
const audits = async () =>
  ((await ns.redis.xrange(fx.names.journal, '-', '+')) as [string, string[]][]).map(([, f]) => expandJournalEntry(JSON.parse(f[1]!))).filter((r) => r.ev === 'audit' && String(r.action).startsWith('client.'));

describe('admin API: clients', () => {
  it('lists the config clients with binds from every ingress, submit rate, backlog and receipt backlog; never a password', async () => {
    expect((await call('GET', '/v1/clients', null)).statusCode).toBe(401);
    const before = await list();
    expect(before.map((c) => [c.systemId, c.source, c.suspended, c.binds.length, c.submitRate, c.backlog, c.receiptBacklog])).toEqual([
      ['acme', 'config', false, 0, 0, 0, 0],
      ['beta', 'config', false, 0, 0, 0, 0],
    ]);
    expect(before[0]!.config).toMatchObject({ systemId: 'acme', maxBinds: 10 });
    expect(before[0]!.config).not.toHaveProperty('password');

    const now = Date.now();
    const reports = createBindReports(ns.redis, ns.prefix);
    const bind = { systemId: 'acme', mode: 'transceiver' as const, address: '10.0.0.7', since: now - 1_000, submits: 40 };
    await reports.report({ instance: 'ingress-1', at: now, binds: [{ ...bind, session: 's1', rate: 12.5 }] }, 5_000);
    await reports.report({ instance: 'ingress-2', at: now, binds: [{ ...bind, session: 's2', mode: 'receiver', rate: 0 }, { ...bind, systemId: 'beta', session: 's3', rate: 3 }] }, 5_000);
    const exp = now + 60_000;
    await createClientBacklog(ns.redis, ns.prefix).enqueue(fx.names.in, { id: 'm1', sys: 'acme', at: now, exp });
    // Three receipts for acme, one delivered to a bind and not yet acknowledged: 3 to go.
    for (let i = 0; i < 3; i++) await ns.redis.xadd(fx.names.dlr('acme'), '*', 'd', '{}');
    await ns.redis.xgroup('CREATE', fx.names.dlr('acme'), GROUPS.ingress, '0');
    await ns.redis.xreadgroup('GROUP', GROUPS.ingress, 'c1', 'COUNT', 1, 'STREAMS', fx.names.dlr('acme'), '>');

    const acme = await one('acme');
    expect(acme).toMatchObject({ systemId: 'acme', source: 'config', suspended: false, submitRate: 12.5, backlog: 1, receiptBacklog: 3 });
    expect(acme.binds.sort((a: { session: string }, b: { session: string }) => a.session.localeCompare(b.session))).toEqual([
      { instance: 'ingress-1', session: 's1', mode: 'transceiver', address: '10.0.0.7', since: now - 1_000 },
      { instance: 'ingress-2', session: 's2', mode: 'receiver', address: '10.0.0.7', since: now - 1_000 },
    ]);
    expect((await one('beta')).submitRate).toBe(3);
    expect((await call('GET', '/v1/clients/nobody', 'viewer')).json()).toMatchObject({ error: 'not_found' });
  });

  it('PUT adds a client (admin only), validating every field and its routes against the config; the password is stored hashed', async () => {
    const body = { password: 'rtpw', maxBinds: 3, routes: [{ prefix: '49', smscs: [{ id: 'sim', weight: 2 }], pool: 'bulk' }] };
    expect((await call('PUT', '/v1/clients/rt1', 'viewer', body)).statusCode).toBe(403);
    expect((await call('PUT', '/v1/clients/rt1', 'operator', body)).statusCode).toBe(403);
    const refused = async (payload: object) => {
      const res = await call('PUT', '/v1/clients/rt1', 'admin', payload);
      expect(res.statusCode).toBe(400);
      return res.json().message as string;
    };
    expect(await refused({ maxBinds: 3 })).toMatch(/^body\.password: password or passwordHash is required for a new client/);
    expect(await refused({ password: 'rtpw', maxBinds: 0 })).toMatch(/body\.maxBinds/);
    expect(await refused({ password: 'rtpw', colour: 'red' })).toMatch(/colour/);
    expect(await refused({ password: 'waytoolongpw' })).toMatch(/body\.password/);
    expect(await refused({ password: 'rtpw', passwordHash: '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g' })).toMatch(/exactly one of password or passwordHash/);
    expect(await refused({ password: 'rtpw', routes: [{ prefix: '1', smscs: ['nosuch'] }] })).toBe('body.routes.0.smscs.0: unknown smsc "nosuch"');
    expect(await refused({ password: 'rtpw', routes: [{ prefix: '1', smscs: ['sim'], pool: 'newpool' }] })).toMatch(/^body\.routes\.0\.pool: unknown pool "newpool"/);
    expect(await audits()).toEqual([]);

    const res = await call('PUT', '/v1/clients/rt1', 'admin', body);
    expect(res.statusCode).toBe(200);
    const { client, version } = res.json();
    expect(version).toBeGreaterThan(0);
    expect(client).toMatchObject({ systemId: 'rt1', maxBinds: 3, routes: [{ prefix: '49', smscs: ['sim'], weights: [2], pool: 'bulk' }] });
    expect(client).not.toHaveProperty('passwordHash');
    const stored = await ns.redis.hget(clientRegistryKeys(ns.prefix).runtime, 'rt1');
    expect(stored).not.toContain('rtpw');
    // Stored as sent (the route's weight object), plus the hash.
    expect(JSON.parse(stored!)).toMatchObject({ systemId: 'rt1', maxBinds: 3, routes: [{ smscs: [{ id: 'sim', weight: 2 }] }], passwordHash: expect.stringMatching(/^\$scrypt\$/) });
    expect((await list()).map((c) => `${c.systemId}:${c.source}`)).toEqual(['acme:config', 'beta:config', 'rt1:runtime']);

    // A change without a password keeps the one in force.
    const hash = JSON.parse(stored!).passwordHash;
    expect((await call('PUT', '/v1/clients/rt1', 'admin', { maxBinds: 4 })).json().client.maxBinds).toBe(4);
    expect(JSON.parse((await ns.redis.hget(clientRegistryKeys(ns.prefix).runtime, 'rt1'))!).passwordHash).toBe(hash);
    // Overriding a config client; its plaintext config password is kept, hashed.
    expect((await call('PUT', '/v1/clients/acme', 'admin', { maxSubmitRate: 9 })).statusCode).toBe(200);
    expect((await one('acme')).source).toBe('runtime');
    expect((await readClients(ns.redis, ns.prefix, fx.config.clients)).clients.get('acme')?.client).toMatchObject({ maxSubmitRate: 9, passwordHash: expect.stringMatching(/^\$scrypt\$/) });

    const a = await audits();
    expect(a.map((r) => [r.action, r.target, r.who])).toEqual([
      ['client.set', 'client:rt1', 'ops-admin'],
      ['client.set', 'client:rt1', 'ops-admin'],
      ['client.set', 'client:acme', 'ops-admin'],
    ]);
    expect(a[0]!.before).toBeNull();
    expect(a[0]!.after).toMatchObject({ source: 'runtime', systemId: 'rt1', maxBinds: 3, passwordHash: '<hashed>', bindTypes: ['transmitter', 'receiver', 'transceiver'] });
    expect(a[1]!.before).toMatchObject({ maxBinds: 3 });
    expect(a[2]!.before).toMatchObject({ source: 'config', password: '<plaintext>' });
    // No secret in any audit record.
    const journal = JSON.stringify(await ns.redis.xrange(fx.names.journal, '-', '+'));
    expect(journal).not.toContain('rtpw');
    expect(journal).not.toContain(hash.split('$')[4]);
  });

  it('suspend, resume and disconnect: an operator\'s, audited; unknown client 404; /v1/streams shows run-time clients\' receipt streams', async () => {
    expect((await call('POST', '/v1/clients/rt1/suspend', 'viewer')).statusCode).toBe(403);
    expect((await call('POST', '/v1/clients/nobody/suspend', 'operator')).json()).toMatchObject({ error: 'not_found' });
    expect((await call('POST', '/v1/clients/rt1/explode', 'operator')).statusCode).toBe(400);
    expect((await call('POST', '/v1/clients/beta/suspend', 'operator')).json()).toMatchObject({ systemId: 'beta', action: 'suspend', suspended: true });
    expect((await one('beta')).suspended).toBe(true);
    expect((await call('POST', '/v1/clients/beta/disconnect', 'operator')).json()).toMatchObject({ action: 'disconnect', suspended: true });
    expect((await call('POST', '/v1/clients/beta/resume', 'operator')).json()).toMatchObject({ suspended: false });
    expect((await one('beta')).suspended).toBe(false);
    expect((await audits()).filter((r) => r.target === 'client:beta').map((r) => [r.action, (r.before as { suspended: boolean }).suspended, (r.after as { suspended: boolean }).suspended])).toEqual([
      ['client.suspend', false, true],
      ['client.disconnect', true, true],
      ['client.resume', true, false],
    ]);
    const streams = (await call('GET', '/v1/streams', 'viewer')).json().streams as Array<{ kind: string; of?: string }>;
    expect(streams.filter((s) => s.kind === 'dlr').map((s) => s.of).sort()).toEqual(['acme', 'beta', 'rt1']);
  });

  it('DELETE removes a run-time client (admin only); a config client it overrode is in force again; a config client is not deletable', async () => {
    expect((await call('DELETE', '/v1/clients/rt1', 'operator')).statusCode).toBe(403);
    expect((await call('DELETE', '/v1/clients/beta', 'admin')).json()).toMatchObject({ error: 'not_found', message: 'no run-time client "beta" (it is in the config file)' });
    await call('POST', '/v1/clients/rt1/suspend', 'operator');
    expect((await call('DELETE', '/v1/clients/rt1', 'admin')).json()).toMatchObject({ systemId: 'rt1', restored: false });
    expect((await call('DELETE', '/v1/clients/rt1', 'admin')).statusCode).toBe(404);
    // Its suspension went with it: a new client of that id is not born suspended.
    expect((await readClients(ns.redis, ns.prefix, fx.config.clients)).suspended.has('rt1')).toBe(false);
    expect((await call('DELETE', '/v1/clients/acme', 'admin')).json()).toMatchObject({ systemId: 'acme', restored: true });
    expect(await one('acme')).toMatchObject({ source: 'config', config: { maxSubmitRate: 0 } });
    const removed = (await audits()).filter((r) => r.action === 'client.remove');
    expect(removed.map((r) => [r.target, r.after === null])).toEqual([['client:rt1', true], ['client:acme', false]]);
    expect(removed[1]!.after).toMatchObject({ source: 'config', password: '<plaintext>' });
  });
});
