import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdminApp } from '../admin-server';

/**
 * Where the console's files are: apps/admin/console, beside src, under the repository root
 * (the package.json named smsgw) found above this file — this source file, or the bundle it is
 * part of in dist/admin/main.js (`npm run build`, the Docker image).
 */
export const CONSOLE_DIR = join(repoRootAbove(dirname(fileURLToPath(import.meta.url))), 'apps/admin/console');

function repoRootAbove(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'smsgw') return dir;
    if (dirname(dir) === dir) throw new Error(`the web console: no package.json named "smsgw" at or above ${from}`);
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page may load only its own files and talk only to this origin: no inline script (an
 * injected string could not run even if some text escaped), no framing (clickjacking of the
 * Drain button), no form posts elsewhere.
 */
export const CONSOLE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** Every file of the console by its path under /console/, read once: requests never touch the disk. */
export function loadConsoleAssets(dir = CONSOLE_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else if (TYPES[extname(e.name)]) {
        const body = readFileSync(path);
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
        assets.set(relative(dir, path).split(sep).join('/'), { body, type: TYPES[extname(e.name)]!, etag });
      }
    }
  };
  walk(dir);
  if (!assets.has('index.html')) throw new Error(`the web console's index.html is missing from ${dir}`);
  return assets;
}

/**
 * The web console: static files at /console/ (and / sends there), public — the page holds no
 * data; every API call it makes carries the token typed into it. Only the files read at start
 * can be answered, so no path (`..`, encoded or not) reaches anything else on the disk.
 */
export function registerConsoleRoutes(app: AdminApp, assets = loadConsoleAssets()): void {
  const hidden = { hide: true };
  app.get('/', { config: { access: 'public' }, schema: hidden }, async (_req, reply) => reply.redirect('/console/', 302));

  app.get('/console', { config: { access: 'public' }, schema: hidden }, async (_req, reply) => reply.redirect('/console/', 302));

  app.get('/console/*', { config: { access: 'public' }, schema: hidden }, async (req, reply) => {
    const name = (req.params as { '*': string })['*'] || 'index.html';
    const asset = assets.get(name);
    reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer');
    if (!asset) return reply.code(404).send({ error: 'not_found', message: `no console file ${name}` });
    // Revalidated on every load (a new version is seen at once), answered 304 when unchanged.
    reply.header('cache-control', 'no-cache').header('etag', asset.etag);
    if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  });
}
