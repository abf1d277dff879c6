import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandJournalEntry, type InEntry } from '@smsgw/contracts';
import { createClientBacklog } from '@smsgw/redis';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { bearer, startAdmin, type AdminFixture } from './admin-fixture';

let ns: RedisNamespace;
let fx: AdminFixture;

beforeAll(async () => {
  ns = await redisNamespace('admin-cancel');
  fx = await startAdmin(ns);
});
afterAll(async () => {
  await fx?.close();
  await ns?.cleanup();
});

const cancel = (id: string, role: 'viewer' | 'operator' | null, body?: object) =>
  fx.app.inject({ method: 'POST', url: `/v1/messages/${id}/cancel`, headers: role ? bearer(role) : {}, ...(body ? { payload: body } : {}) });

/** A message as the ingress accepted it: in the client's backlog (and `in`), no record yet. */
const accept = async (id: string, sys = 'acme') => {
  const entry: InEntry = {
    v: 1, id, sys, src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' }, dst: { ton: 1, npi: 1, addr: '447700900123', norm: '447700900123' },
    dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: '', at: Date.now(), exp: Date.now() + 3_600_000,
  };
  await createClientBacklog(ns.redis, ns.prefix).enqueue(fx.names.in, entry);
};
const dlrIn = async () => ((await ns.redis.xrange(fx.names.dlrIn, '-', '+')) as [string, string[]][]).map(([, f]) => JSON.parse(f[1]!));
const audits = async () =>
  ((await ns.redis.xrange(fx.names.journal, '-', '+')) as [string, string[]][]).map(([, f]) => expandJournalEntry(JSON.parse(f[1]!))).filter((r) => r.ev === 'audit');

describe('POST /v1/messages/:id/cancel', () => {
  it('an operator\'s: a routed message waiting for its SMSC ends DELETED with its receipt, audited; a second cancel is 409', async () => {
    await accept('c-1');
    await fx.store.createMessage({ id: 'c-1', sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', pool: 'sim', at: Date.now() });
    expect((await cancel('c-1', null)).statusCode).toBe(401);
    expect((await cancel('c-1', 'viewer')).statusCode).toBe(403);
    const res = await cancel('c-1', 'operator');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: 'c-1', client: 'acme', cancelledBy: 'gateway' });
    expect((await fx.store.get('c-1'))?.state).toBe('DELETED');
    // The dlr-worker gets the failure: the client's DELETED receipt, with the record's addresses.
    expect(await dlrIn()).toEqual([expect.objectContaining({ k: 'fail', id: 'c-1', sys: 'acme', state: 'DELETED', dst: { ton: 1, npi: 1, addr: '447700900123' } })]);
    expect((await audits()).map((a) => [a.action, a.target, a.who, a.before, a.after])).toEqual([
      ['message.cancel', 'message:c-1', 'ops-operator', { state: 'ROUTED' }, { state: 'DELETED', by: 'gateway', client: 'acme' }],
    ]);
    const again = await cancel('c-1', 'operator');
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error: 'conflict', message: 'message is DELETED' });
  });

  it('a message still queued before the policy-worker (no record): cancelled given its client, 404 without', async () => {
    await accept('c-2');
    const without = await cancel('c-2', 'operator');
    expect(without.statusCode).toBe(404);
    expect(without.json().message).toMatch(/give its client/);
    expect((await cancel('c-2', 'operator', { client: 'beta' })).statusCode).toBe(404);
    const res = await cancel('c-2', 'operator', { client: 'acme' });
    expect(res.json()).toEqual({ id: 'c-2', client: 'acme', cancelledBy: 'gateway' });
    // The policy-worker drops it when it reads the entry: it is in the client's cancelled set.
    expect(await createClientBacklog(ns.redis, ns.prefix).isCancelled('acme', 'c-2')).toBe(true);
  });

  it('a submitted message goes to its SMSC: with no sender holding the link, 409 saying why; another client\'s name is 404', async () => {
    await fx.store.createMessage({ id: 'c-3', sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', pool: 'sim', at: Date.now() });
    await fx.store.recordSubmit('c-3', { part: 0, parts: 1, smsc: 'sim', smscMsgId: 'ab', at: Date.now() });
    expect((await cancel('c-3', 'operator', { client: 'beta' })).statusCode).toBe(404);
    const res = await cancel('c-3', 'operator');
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/sim/);
    expect((await fx.store.get('c-3'))?.state).toBe('SUBMITTED');
  }, 15_000);

  it('an unknown id is 404', async () => {
    expect((await cancel('nope', 'operator')).statusCode).toBe(404);
  });
});
