import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { startAdmin, type AdminFixture } from './admin-fixture';
import { CONSOLE_CSP, CONSOLE_DIR, loadConsoleAssets } from './routes/console';

let ns: RedisNamespace;
let fx: AdminFixture;

beforeAll(async () => {
  ns = await redisNamespace('admin-console');
  fx = await startAdmin(ns);
});
afterAll(async () => {
  await fx?.close();
  await ns?.cleanup();
});

const get = (url: string, headers: Record<string, string> = {}) => fx.app.inject({ method: 'GET', url, headers });

describe('web console assets', () => {
  it('/ and /console send the browser to /console/', async () => {
    for (const url of ['/', '/console']) {
      const res = await get(url);
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe('/console/');
    }
  });

  it('serves the page without a token, with CSP, nosniff and revalidation headers; its scripts are files, never inline', async () => {
    const res = await get('/console/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-cache');
    const scripts = [...res.body.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts).toEqual(['<script type="module" src="/console/app.js">']);
    expect(res.body).not.toMatch(/\son[a-z]+=/i);
    expect(res.body).not.toMatch(/style=/i);
  });

  it('serves each module with its type and an ETag, 304 when unchanged', async () => {
    const js = await get('/console/app.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toContain("from './api.js'");
    expect((await get('/console/console.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const again = await get('/console/app.js', { 'if-none-match': String(js.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('an unknown file is 404 (no token needed to learn it), and no path leaves the console folder', async () => {
    const missing = await get('/console/nope.js');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'not_found', message: 'no console file nope.js' });
    const pkg = readFileSync(join(CONSOLE_DIR, '..', 'package.json'), 'utf8');
    for (const url of ['/console/../package.json', '/console/..%2fpackage.json', '/console/%2e%2e/package.json', '/console/%2e%2e%2f%2e%2e%2fpackage.json', '/console//etc/passwd', '/console/..\\package.json']) {
      const res = await get(url);
      expect(res.statusCode, url).not.toBe(200);
      expect(res.body).not.toContain(pkg.slice(0, 40));
      expect(res.body).not.toContain('root:');
    }
  });

  it('stays small, and builds the page from text nodes only (no HTML parsing of data)', () => {
    const assets = loadConsoleAssets();
    const js = [...assets].filter(([name]) => name.endsWith('.js'));
    expect(js.length).toBeGreaterThanOrEqual(3);
    const bytes = js.reduce((n, [, a]) => n + a.body.length, 0);
    expect(bytes).toBeLessThan(24 * 1024);
    for (const [name, a] of js) expect(a.body.toString(), name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    for (const [name, a] of js) expect(a.body.toString(), name).not.toMatch(/localStorage/);
  });

  it('refuses to start without the page', () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-'));
    try {
      writeFileSync(join(dir, 'app.js'), '');
      expect(() => loadConsoleAssets(dir)).toThrow(/index\.html is missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
