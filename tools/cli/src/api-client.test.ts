import { describe, expect, it } from 'vitest';
import { ApiError, createApiClient } from './api-client';

/** A fetch that records what it was asked and answers `status` with `body`. */
function fakeFetch(status: number, body: string) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const f = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body, { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { f, calls };
}

const failure = (p: Promise<unknown>) => p.then(() => expect.fail('should have failed'), (err: unknown) => err as ApiError);

describe('createApiClient', () => {
  it('appends the path to the base URL, keeping a path prefix; sends the bearer token', async () => {
    const { f, calls } = fakeFetch(200, '{"name":"a","role":"viewer"}');
    const api = createApiClient({ url: 'https://gw.example/smsgw/', token: 't'.repeat(30), fetch: f });
    expect(await api.get('/v1/whoami')).toEqual({ name: 'a', role: 'viewer' });
    expect(calls[0]!.url).toBe('https://gw.example/smsgw/v1/whoami');
    expect(calls[0]!.init.method).toBe('GET');
    expect((calls[0]!.init.headers as Record<string, string>).authorization).toBe(`Bearer ${'t'.repeat(30)}`);
  });

  it('sends a JSON body, or text with its own content type', async () => {
    const { f, calls } = fakeFetch(200, '{"changed":1}');
    const api = createApiClient({ url: 'http://127.0.0.1:9106', fetch: f });
    await api.delete('/v1/lists/blacklist', { entries: ['4479*'] });
    await api.post('/v1/lists/optout/import', { text: 'a\nb\n', type: 'text/csv' });
    expect(calls.map((c) => [c.init.method, (c.init.headers as Record<string, string>)['content-type'], c.init.body])).toEqual([
      ['DELETE', 'application/json', '{"entries":["4479*"]}'],
      ['POST', 'text/csv', 'a\nb\n'],
    ]);
  });

  it('sends no Authorization header without a token', async () => {
    const { f, calls } = fakeFetch(200, '{}');
    await createApiClient({ url: 'http://127.0.0.1:9106', fetch: f }).post('/v1/x');
    expect(calls[0]!.init.headers).not.toHaveProperty('authorization');
  });

  it("an error answer becomes an ApiError with the API's message, status and code", async () => {
    const { f } = fakeFetch(409, '{"error":"conflict","message":"dead letter 1-1 was replayed already"}');
    const err = await failure(createApiClient({ url: 'http://h', fetch: f }).post('/v1/dead-letters/1-1/replay'));
    expect(err).toBeInstanceOf(ApiError);
    expect([err.message, err.status, err.code]).toEqual(['dead letter 1-1 was replayed already', 409, 'conflict']);
  });

  it('401 says how to pass a token, not what the API says (it does not tell missing from wrong)', async () => {
    const { f } = fakeFetch(401, '{"error":"unauthorized","message":"a valid bearer token is required"}');
    expect((await failure(createApiClient({ url: 'http://h', token: 'x'.repeat(30), fetch: f }).get('/v1/whoami'))).message).toBe('unauthorized: set SMSGW_TOKEN or --token');
  });

  it('an answer that is not the API (HTML, no JSON) is said to be so', async () => {
    const ok = fakeFetch(200, '<html>proxy</html>');
    expect((await failure(createApiClient({ url: 'http://h', fetch: ok.f }).get('/v1/streams'))).message).toBe('the answer from http://h/v1/streams is not JSON (is --url the admin API?)');
    const bad = fakeFetch(502, '<html>bad gateway</html>');
    expect((await failure(createApiClient({ url: 'http://h', fetch: bad.f }).get('/v1/streams'))).message).toBe('HTTP 502 from http://h/v1/streams (is --url the admin API?)');
  });

  it('refuses a --url that is not http(s)', () => {
    expect(() => createApiClient({ url: 'localhost:9106' })).toThrow(/not an http\(s\) URL/);
    expect(() => createApiClient({ url: 'not a url' })).toThrow(/is not a URL/);
  });
});
