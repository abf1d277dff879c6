import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandJournalEntry } from '@smsgw/contracts';
import { createLinkControl } from '@smsgw/redis';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { bearer, startAdmin, type AdminFixture } from './admin-fixture';

let ns: RedisNamespace;
let fx: AdminFixture;

beforeAll(async () => {
  ns = await redisNamespace('admin-links');
  fx = await startAdmin(ns);
});
afterAll(async () => {
  await fx?.close();
  await ns?.cleanup();
});

const act = (smsc: string, action: string, role: 'viewer' | 'operator' | null) =>
  fx.app.inject({ method: 'POST', url: `/v1/links/${smsc}/${action}`, headers: role ? bearer(role) : {} });
const links = async () => (await fx.app.inject({ method: 'GET', url: '/v1/links', headers: bearer('viewer') })).json().links;
const audits = async () =>
  ((await ns.redis.xrange(fx.names.journal, '-', '+')) as [string, string[]][]).map(([, f]) => expandJournalEntry(JSON.parse(f[1]!))).filter((r) => r.ev === 'audit');

describe('links', () => {
  it('lists every configured SMSC with what the senders report of it', async () => {
    expect(await links()).toEqual([{ smsc: 'sim', mode: 'active', setBy: null, setAt: null, throughput: 0, effectiveRate: null, sendRate: 0, bound: 0, senders: [] }]);
    const control = createLinkControl(ns.redis, ns.prefix);
    const at = Date.now();
    // sender-a reported last: its view of the shared bucket is the link's; sender-b is older than this field.
    await control.report({ instance: 'sender-a', at, links: [{ smsc: 'sim', mode: 'active', sessions: 2, bound: 2, inFlight: 3, lastHeardAt: at - 100, effectiveRate: 70, sendRate: 65 }] }, 5_000);
    await control.report({ instance: 'sender-c', at: at - 500, links: [{ smsc: 'sim', mode: 'active', sessions: 2, bound: 0, inFlight: 0, lastHeardAt: null, effectiveRate: 100, sendRate: 30 }] }, 5_000);
    await control.report({ instance: 'sender-b', at, links: [{ smsc: 'sim', mode: 'active', sessions: 2, bound: 1, inFlight: 0, lastHeardAt: null }] }, 5_000);
    const [sim] = await links();
    expect(sim.bound).toBe(3);
    expect(sim).toMatchObject({ effectiveRate: 70, sendRate: 95 });
    expect(sim.senders.find((s: { instance: string }) => s.instance === 'sender-b')).toMatchObject({ effectiveRate: null, sendRate: 0 });
    expect(sim.senders.map((s: { instance: string; inFlight: number }) => [s.instance, s.inFlight]).sort()).toEqual([['sender-a', 3], ['sender-b', 0], ['sender-c', 0]]);
  });

  it('drain, suspend and resume: an operator\'s, each audited with before and after; a viewer gets 403, an unknown SMSC 404', async () => {
    expect((await act('sim', 'drain', null)).statusCode).toBe(401);
    expect((await act('sim', 'drain', 'viewer')).statusCode).toBe(403);
    expect((await act('nope', 'drain', 'operator')).json()).toMatchObject({ error: 'not_found' });
    expect((await act('sim', 'explode', 'operator')).statusCode).toBe(400);
    expect(await audits()).toEqual([]);
    const drained = await act('sim', 'drain', 'operator');
    expect(drained.statusCode).toBe(200);
    expect(drained.json()).toMatchObject({ smsc: 'sim', mode: 'draining', by: 'ops-operator' });
    expect((await createLinkControl(ns.redis, ns.prefix).settings()).get('sim')?.mode).toBe('draining');
    expect((await links())[0]).toMatchObject({ mode: 'draining', setBy: 'ops-operator' });
    expect((await act('sim', 'suspend', 'operator')).json().mode).toBe('suspended');
    expect((await act('sim', 'resume', 'operator')).json().mode).toBe('active');
    expect((await audits()).map((a) => [a.action, a.target, (a.before as { mode: string }).mode, (a.after as { mode: string }).mode, a.who])).toEqual([
      ['link.drain', 'smsc:sim', 'active', 'draining', 'ops-operator'],
      ['link.suspend', 'smsc:sim', 'draining', 'suspended', 'ops-operator'],
      ['link.resume', 'smsc:sim', 'suspended', 'active', 'ops-operator'],
    ]);
  });
});
