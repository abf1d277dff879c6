import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandJournalEntry } from '@smsgw/contracts';
import { policyKeys } from '@smsgw/mcp';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { bearer, startAdmin, type AdminFixture } from './admin-fixture';

let ns: RedisNamespace;
let fx: AdminFixture;

beforeAll(async () => {
  ns = await redisNamespace('admin-lists');
  fx = await startAdmin(ns, 'policy: { rules: [{ type: max-segments, max: 3 }] }');
});
afterAll(async () => {
  await fx?.close();
  await ns?.cleanup();
});

const call = (method: 'GET' | 'POST' | 'DELETE', url: string, role: 'viewer' | 'operator', payload?: unknown, type = 'application/json') =>
  fx.app.inject({ method, url, headers: { ...bearer(role), 'content-type': type }, payload: payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload) });
const audits = async () =>
  ((await ns.redis.xrange(fx.names.journal, '-', '+')) as [string, string[]][]).map(([, f]) => expandJournalEntry(JSON.parse(f[1]!))).filter((r) => r.ev === 'audit');

describe('policy lists (moved here from the policy-worker)', () => {
  it('lists the names, and shows the policy settings with the rejection reason codes', async () => {
    expect((await call('GET', '/v1/lists', 'viewer')).json().lists).toContainEqual({ name: 'blacklist', global: true, numbers: true });
    const policy = (await call('GET', '/v1/policy', 'viewer')).json();
    expect(policy.policy.rules).toEqual([{ type: 'max-segments', max: 3 }]);
    expect(policy.reasons['destination-blacklisted'].code).toBe(211);
  });

  it('adds, pages and removes entries (operator, trimmed and upper-cased, audited); refuses bad entries and a per-client list without a client', async () => {
    expect((await call('POST', '/v1/lists/blacklist', 'viewer', { entries: ['447700900001'] })).statusCode).toBe(403);
    const bad = await call('POST', '/v1/lists/blacklist', 'operator', { entries: ['447700900001', 'not-a-number'] });
    expect(bad.json()).toMatchObject({ error: 'invalid_request', message: 'invalid entries for blacklist: not-a-number' });
    expect((await call('POST', '/v1/lists/senders', 'operator', { entries: ['ACME'] })).json()).toMatchObject({ error: 'invalid_request', message: 'list senders is per client: give client' });
    expect((await call('POST', '/v1/lists/nope', 'operator', { entries: ['1'] })).statusCode).toBe(400);
    expect((await call('POST', '/v1/lists/blacklist', 'operator', { entries: [' 447700900001', '4479*'] })).json()).toEqual({ list: 'blacklist', changed: 2 });
    expect((await call('POST', '/v1/lists/senders', 'operator', { client: 'acme', entries: ['acme'] })).json()).toEqual({ list: 'senders', client: 'acme', changed: 1 });
    expect((await ns.redis.smembers(policyKeys(ns.prefix).list('blacklist'))).sort()).toEqual(['447700900001', '4479*']);
    expect(await ns.redis.smembers(policyKeys(ns.prefix).list('senders', 'acme'))).toEqual(['ACME']);
    const page = (await call('GET', '/v1/lists/blacklist?count=10', 'viewer')).json();
    expect(page).toMatchObject({ list: 'blacklist', cursor: '0', size: 2 });
    expect(page.entries.sort()).toEqual(['447700900001', '4479*']);
    expect((await call('DELETE', '/v1/lists/blacklist', 'operator', { entries: ['4479*'] })).json()).toEqual({ list: 'blacklist', changed: 1 });
    expect((await call('GET', '/v1/lists/blacklist', 'viewer')).json().size).toBe(1);
    expect((await audits()).map((a) => [a.action, a.target, a.who, (a.after as { changed: number }).changed])).toEqual([
      ['list.add', 'list:blacklist', 'ops-operator', 2],
      ['list.add', 'list:senders:acme', 'ops-operator', 1],
      ['list.remove', 'list:blacklist', 'ops-operator', 1],
    ]);
  });

  it('imports the first column of a CSV body, counting a header and invalid cells', async () => {
    const res = await call('POST', '/v1/lists/optout/import?client=beta', 'operator', 'number,name\n447700900990,x\n"4477009009*";y\nnot-a-number\n', 'text/csv');
    expect(res.json()).toEqual({ list: 'optout', client: 'beta', read: 2, added: 2, invalid: 2 });
    expect((await ns.redis.smembers(policyKeys(ns.prefix).list('optout', 'beta'))).sort()).toEqual(['447700900990', '4477009009*'].sort());
    expect((await audits()).at(-1)).toMatchObject({ action: 'list.import', target: 'list:optout:beta', after: { read: 2, added: 2, invalid: 2 } });
  });
});
