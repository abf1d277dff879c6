import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '@smsgw/redis';
import { createRedisStateStore } from '@smsgw/store';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { createAdminServer } from './admin-server';
import { bearer, startAdmin, TOKENS, type AdminFixture } from './admin-fixture';

let ns: RedisNamespace;
let fx: AdminFixture;

beforeAll(async () => {
  ns = await redisNamespace('admin');
  fx = await startAdmin(ns);
});
afterAll(async () => {
  await fx?.close();
  await ns?.cleanup();
});

const get = (url: string, headers: Record<string, string> = {}) => fx.app.inject({ method: 'GET', url, headers });

describe('admin API: bearer tokens', () => {
  it('answers 401 with the same body without a token, with an unknown one or a malformed header', async () => {
    const answers = await Promise.all([
      get('/v1/whoami'),
      get('/v1/whoami', { authorization: 'Bearer not-a-configured-token-at-all' }),
      get('/v1/whoami', { authorization: `Basic ${TOKENS.viewer}` }),
      get('/v1/whoami', { authorization: `Bearer ${TOKENS.viewer}x` }),
    ]);
    for (const res of answers) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.json()).toEqual({ error: 'unauthorized', message: 'a valid bearer token is required' });
    }
  });

  it('knows each token by its name and role', async () => {
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const res = await get('/v1/whoami', bearer(role));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ name: `ops-${role}`, role });
    }
  });

  it('hides which paths exist from callers without a token; 404 in JSON for those with one', async () => {
    expect((await get('/v1/nothing-here')).statusCode).toBe(401);
    const res = await get('/v1/nothing-here?x=1', bearer('viewer'));
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not_found', message: 'no route GET /v1/nothing-here' });
  });
});

describe('admin API: probes', () => {
  it('/livez and /readyz answer without a token', async () => {
    expect((await get('/livez')).json()).toEqual({ status: 'live' });
    const ready = await get('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('/readyz is 503 naming the checks that fail when Redis is unreachable; /livez stays 200', async () => {
    // Port 1 on loopback: nothing listens there, connections are refused at once.
    const dead = createRedis('redis://127.0.0.1:1', { commandTimeoutMs: 500 });
    const store = createRedisStateStore({ redis: dead, prefix: ns.prefix });
    const app = await createAdminServer({
      config: fx.config,
      redis: dead,
      store,
      checks: { redis: async () => void (await dead.ping()), store: () => store.ping() },
    });
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ error: 'not_ready', message: 'not answering: redis, store' });
      expect((await app.inject({ method: 'GET', url: '/livez' })).statusCode).toBe(200);
    } finally {
      await app.close();
      dead.disconnect();
    }
  });
});

describe('admin API: reads (viewer)', () => {
  it('GET /v1/streams: every stream of the configuration with its length and consumer groups', async () => {
    const { redis } = ns;
    const { names } = fx;
    await redis.xadd(names.in, '*', 'd', '{}');
    await redis.xadd(names.in, '*', 'd', '{}');
    await redis.xgroup('CREATE', names.in, 'policy', '0');
    await redis.xreadgroup('GROUP', 'policy', 'policy-1', 'COUNT', 1, 'STREAMS', names.in, '>');
    const res = await get('/v1/streams', bearer('viewer'));
    expect(res.statusCode).toBe(200);
    const streams = res.json().streams as Array<{ stream: string; kind: string; of?: string; length: number; groups: unknown[] }>;
    expect(streams.map((s) => [s.kind, s.of ?? null, s.stream])).toEqual([
      ['in', null, names.in],
      ['out', 'bulk', names.out('bulk')],
      ['out', 'sim', names.out('sim')],
      ['dlr-in', null, names.dlrIn],
      ['journal', null, names.journal],
      ['dlr', 'acme', names.dlr('acme')],
      ['dlr', 'beta', names.dlr('beta')],
      ['dead', null, names.dead],
    ]);
    // One read and not acked: pending 1, lag 1 (of two entries), one consumer.
    expect(streams[0]).toMatchObject({ length: 2, groups: [{ name: 'policy', consumers: 1, pending: 1, lag: 1 }] });
    expect(streams[1]).toMatchObject({ length: 0, groups: [] });
  });

  it('GET /v1/messages/:id: the state-store record; 404 for an unknown id', async () => {
    await fx.store.createMessage({ id: 'm-1', sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ACCEPTED', at: 1_000 });
    const res = await get('/v1/messages/m-1', bearer('viewer'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'm-1', sys: 'acme', dst: '447700900123', state: 'ACCEPTED', times: { ACCEPTED: 1_000 } });
    const missing = await get('/v1/messages/nope', bearer('viewer'));
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'not_found', message: 'no message nope' });
  });

  it('GET /v1/messages/by-smsc: found by the SMSC id in its submit (dec) or receipt (hex) form', async () => {
    await fx.store.createMessage({ id: 'm-2', sys: 'acme', src: 'ACME', dst: '447700900124', rd: 1, state: 'ACCEPTED', at: 2_000 });
    // The sender stores the submit_sm_resp id normalised: "255" in decimal is ff.
    await fx.store.recordSubmit('m-2', { part: 0, parts: 1, smsc: 'sim', smscMsgId: 'ff', at: 2_100 });
    for (const asPasted of ['255', 'FF']) {
      const res = await get(`/v1/messages/by-smsc/sim/${asPasted}`, bearer('viewer'));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ correlation: { id: 'm-2', part: 0, parts: 1 }, message: { id: 'm-2', state: 'SUBMITTED', smscIds: ['ff'] } });
    }
    const missing = await get('/v1/messages/by-smsc/sim/12345', bearer('viewer'));
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe('no message has SMSC id 12345 at sim');
  });

  it('GET /v1/messages: a client\'s messages to a destination in a window, newest first, the destination as an operator types it', async () => {
    const at = [10_000, 20_000, 30_000];
    for (const [i, t] of at.entries()) await fx.store.createMessage({ id: `s-${i}`, sys: 'acme', src: 'ACME', dst: '447700900555', rd: 1, state: 'ROUTED', at: t });
    await fx.store.createMessage({ id: 's-beta', sys: 'beta', src: 'B', dst: '447700900555', rd: 1, state: 'ROUTED', at: 20_000 });
    const search = (q: string) => get(`/v1/messages?${q}`, bearer('viewer'));
    const all = await search('client=acme&destination=%2B44%207700%20900555&from=0&to=40000');
    expect(all.statusCode).toBe(200);
    expect(all.json()).toMatchObject({ destination: '447700900555', from: 0, to: 40_000 });
    expect(all.json().messages.map((m: { id: string }) => m.id)).toEqual(['s-2', 's-1', 's-0']);
    expect(all.json().messages[0]).toMatchObject({ sys: 'acme', state: 'ROUTED', dst: '447700900555' });
    const window = await search(`client=acme&destination=447700900555&from=${new Date(15_000).toISOString()}&to=25000`);
    expect(window.json().messages.map((m: { id: string }) => m.id)).toEqual(['s-1']);
    expect((await search('client=acme&destination=447700900555&from=0&to=40000&limit=1')).json().messages.map((m: { id: string }) => m.id)).toEqual(['s-2']);
    // The default window is the last day before now: these 1970 messages are outside it.
    expect((await search('client=acme&destination=447700900555')).json().messages).toEqual([]);
    for (const [q, field] of [
      ['destination=447700900555', 'querystring.client'],
      ['client=acme', 'querystring.destination'],
      ['client=acme&destination=ACME', 'querystring.destination'],
      ['client=acme&destination=447700900555&from=yesterday', 'querystring.from'],
      ['client=acme&destination=447700900555&from=5&to=4', 'querystring.from'],
      ['client=acme&destination=447700900555&limit=501', 'querystring.limit'],
    ]) {
      const res = await search(q!);
      expect(res.statusCode, q).toBe(400);
      expect(res.json()).toEqual({ error: 'invalid_request', message: expect.stringContaining(`${field}: `) });
    }
    expect((await get('/v1/messages?client=acme&destination=447700900555')).statusCode).toBe(401);
  });

  it('GET /v1/dead-letters: 400 naming the field of a bad query', async () => {
    for (const [query, field] of [['count=0', 'querystring.count'], ['count=abc', 'querystring.count'], ['count=5000', 'querystring.count'], ['after=x', 'querystring.after']]) {
      const res = await get(`/v1/dead-letters?${query}`, bearer('viewer'));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'invalid_request', message: expect.stringContaining(`${field}: `) });
    }
  });
});

describe('admin API: /openapi.json', () => {
  it('lists every route with its schemas, security and the least role it needs', async () => {
    const res = await get('/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
    const ops = Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(ops.map((o) => o.route).sort()).toEqual([
      'DELETE /v1/clients/{systemId}',
      'DELETE /v1/lists/{list}',
      'GET /livez',
      'GET /readyz',
      'GET /v1/clients',
      'GET /v1/clients/{systemId}',
      'GET /v1/dead-letters',
      'GET /v1/links',
      'GET /v1/lists',
      'GET /v1/lists/{list}',
      'GET /v1/messages',
      'GET /v1/messages/by-smsc/{smsc}/{smscMsgId}',
      'GET /v1/messages/{id}',
      'GET /v1/overview',
      'GET /v1/policy',
      'GET /v1/policy/history',
      'GET /v1/streams',
      'GET /v1/whoami',
      'POST /v1/clients/{systemId}/{action}',
      'POST /v1/dead-letters/{entryId}/replay',
      'POST /v1/links/{smsc}/{action}',
      'POST /v1/lists/{list}',
      'POST /v1/lists/{list}/import',
      'POST /v1/messages/{id}/cancel',
      'POST /v1/policy/rollback',
      'POST /v1/route-test',
      'PUT /v1/clients/{systemId}',
      'PUT /v1/policy',
    ]);
    const op = (route: string) => ops.find((o) => o.route === route)!.op as Record<string, any>;
    expect(op('GET /livez').security).toBeUndefined();
    expect(op('GET /v1/streams')).toMatchObject({ security: [{ bearer: [] }], 'x-min-role': 'viewer' });
    const replay = op('POST /v1/dead-letters/{entryId}/replay');
    expect(replay).toMatchObject({ security: [{ bearer: [] }], 'x-min-role': 'operator' });
    expect(replay.parameters).toEqual([expect.objectContaining({ in: 'path', name: 'entryId', required: true })]);
    expect(Object.keys(replay.responses).sort()).toEqual(['200', '404', '409']);
    const list = op('GET /v1/dead-letters');
    expect(list.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`).sort()).toEqual(['query:after', 'query:count']);
    expect(list.responses['200'].content['application/json'].schema.properties).toHaveProperty('entries');
    expect(op('GET /v1/messages/{id}').responses['200'].content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['id', 'sys', 'state', 'partStates', 'smscIds']),
    );
  });
});
