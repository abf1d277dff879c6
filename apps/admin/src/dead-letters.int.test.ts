import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '@smsgw/platform';
import { createClientControl, encodeEntry } from '@smsgw/redis';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { bearer, startAdmin, type AdminFixture } from './admin-fixture';

let ns: RedisNamespace;
let fx: AdminFixture;

beforeAll(async () => {
  ns = await redisNamespace('admin-dead');
  fx = await startAdmin(ns);
});
afterAll(async () => {
  await fx?.close();
  await ns?.cleanup();
});

/** A dead letter as the consumer loop writes it (libs/redis stream-consumer.ts). */
const deadLetter = (value: { stream: string; id: string; deliveries: number; data?: unknown }) => ns.redis.xadd(fx.names.dead, '*', 'd', encodeEntry(value)) as Promise<string>;

const entriesOf = async (stream: string) =>
  ((await ns.redis.xrange(stream, '-', '+')) as [string, string[]][]).map(([id, f]) => ({ id, value: JSON.parse(f[1]!) as Record<string, unknown> }));

const replay = (entryId: string, role: 'viewer' | 'operator' | 'admin' | null) =>
  fx.app.inject({ method: 'POST', url: `/v1/dead-letters/${entryId}/replay`, headers: role ? bearer(role) : {} });

describe('dead letters', () => {
  it('lists entries oldest first, page by page, and says which can be replayed', async () => {
    const a = await deadLetter({ stream: fx.names.out('sim'), id: '5-0', deliveries: 11, data: { id: 'm-a', sys: 'acme' } });
    const b = await deadLetter({ stream: 'elsewhere:in', id: '6-0', deliveries: 11, data: { id: 'm-b' } });
    const c = await deadLetter({ stream: fx.names.in, id: '7-0', deliveries: 12 }); // the original was not valid JSON
    // A viewer sees where each entry came from, not its content (message text, numbers).
    const asViewer = await fx.app.inject({ method: 'GET', url: '/v1/dead-letters?count=2', headers: bearer('viewer') });
    expect(asViewer.json().entries.map((e: Record<string, unknown>) => [e.entryId, 'data' in e])).toEqual([[a, false], [b, false]]);
    const first = await fx.app.inject({ method: 'GET', url: '/v1/dead-letters?count=2', headers: bearer('operator') });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({
      entries: [
        { entryId: a, stream: fx.names.out('sim'), id: '5-0', deliveries: 11, data: { id: 'm-a', sys: 'acme' }, replayable: true },
        { entryId: b, stream: 'elsewhere:in', id: '6-0', deliveries: 11, data: { id: 'm-b' }, replayable: false },
      ],
      next: b,
    });
    const rest = await fx.app.inject({ method: 'GET', url: `/v1/dead-letters?after=${b}`, headers: bearer('viewer') });
    expect(rest.json()).toEqual({ entries: [{ entryId: c, stream: fx.names.in, id: '7-0', deliveries: 12, replayable: false }], next: null });
    // Not replayable: a stream that is not this gateway's, or a value that was never readable.
    for (const id of [b, c]) {
      const res = await replay(id, 'operator');
      expect(res.statusCode).toBe(409);
      expect(res.json().message).toMatch(/cannot be replayed/);
    }
  });

  it('replay: 401 without a token, 403 for a viewer; nothing moves', async () => {
    const id = await deadLetter({ stream: fx.names.dlrIn, id: '8-0', deliveries: 11, data: { k: 'receipt', smsc: 'sim' } });
    expect((await replay(id, null)).statusCode).toBe(401);
    const res = await replay(id, 'viewer');
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ error: 'forbidden', message: 'this needs the operator role; token "ops-viewer" is viewer' });
    expect((await entriesOf(fx.names.dead)).map((e) => e.id)).toContain(id);
    expect(await entriesOf(fx.names.dlrIn)).toEqual([]);
  });

  it('replay (operator): the value is back on its stream, the dead letter gone, an audit record journaled; a second replay is 409', async () => {
    const data = { id: 'm-r', sys: 'acme', src: { addr: 'ACME' }, dst: { addr: '447700900123' }, pool: 'bulk' };
    const entryId = await deadLetter({ stream: fx.names.out('bulk'), id: '9-0', deliveries: 11, data });
    const res = await replay(entryId, 'operator');
    expect(res.statusCode).toBe(200);
    const out = await entriesOf(fx.names.out('bulk'));
    expect(out).toEqual([{ id: res.json().id, value: data }]);
    expect(res.json()).toEqual({ entryId, stream: fx.names.out('bulk'), id: out[0]!.id });
    expect((await entriesOf(fx.names.dead)).map((e) => e.id)).not.toContain(entryId);

    const audit = (await entriesOf(fx.names.journal)).map((e) => e.value).filter((v) => v.ev === 'audit');
    expect(audit).toEqual([
      {
        eid: expect.stringMatching(/^audit:[0-9a-f-]{36}$/),
        ts: expect.any(Number),
        ev: 'audit',
        app: 'admin',
        who: 'ops-operator',
        role: 'operator',
        action: 'dead_letter.replay',
        target: `dead:${entryId}`,
        before: { stream: fx.names.out('bulk'), id: '9-0', deliveries: 11 },
        after: { stream: fx.names.out('bulk'), id: out[0]!.id },
      },
    ]);

    const again = await replay(entryId, 'admin');
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error: 'conflict', message: expect.stringMatching(new RegExp(`^dead letter ${entryId} was replayed already \\(by ops-operator at `)) });
    expect(await entriesOf(fx.names.out('bulk'))).toHaveLength(1);
    expect((await entriesOf(fx.names.journal)).filter((e) => e.value.ev === 'audit')).toHaveLength(1);
  });

  it('replay: two at once put the entry back once', async () => {
    const entryId = await deadLetter({ stream: fx.names.dlr('beta'), id: '10-0', deliveries: 11, data: { k: 'receipt', id: 'm-c' } });
    const answers = await Promise.all([replay(entryId, 'operator'), replay(entryId, 'admin')]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(await entriesOf(fx.names.dlr('beta'))).toHaveLength(1);
  });

  it('a client added at run time after the admin app started: its receipt stream is replayable', async () => {
    const entryId = await deadLetter({ stream: fx.names.dlr('rt9'), id: '11-0', deliveries: 11, data: { k: 'receipt', id: 'm-rt' } });
    const listed = async () => (await fx.app.inject({ method: 'GET', url: '/v1/dead-letters?count=1000', headers: bearer('operator') })).json().entries.find((e: { entryId: string }) => e.entryId === entryId);
    expect((await listed()).replayable).toBe(false);
    expect((await replay(entryId, 'operator')).statusCode).toBe(409);
    await createClientControl(ns.redis, ns.prefix).put({ systemId: 'rt9', passwordHash: await hashPassword('rt9pw') });
    expect((await listed()).replayable).toBe(true);
    expect((await replay(entryId, 'operator')).statusCode).toBe(200);
    expect(await entriesOf(fx.names.dlr('rt9'))).toHaveLength(1);
  });

  it('replay: 404 for an unknown entry id, 400 naming the field of a malformed one', async () => {
    const unknown = await replay('1-1', 'operator');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'not_found', message: 'no dead letter 1-1' });
    const bad = await replay('not-an-id', 'operator');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: 'invalid_request', message: expect.stringContaining('params.entryId: ') });
  });
});
