import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { BUILD_ENTRIES, buildDist } from './build';
import { freePort } from './stack';
import { bundlePath, compiledEntry, REPO_ROOT, supervise } from './supervisor';

/** The package an import names: `pino/file` → pino, `@aws-sdk/client-s3` → itself. */
const packageOf = (path: string) => path.split('/').slice(0, path.startsWith('@') ? 2 : 1).join('/');

/** Until `url` answers 200; fails at once if the process exited (a bundle that cannot start). */
async function waitOk(url: string, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    if (proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode} before ${url} answered`);
    if (Date.now() > end) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm run build', () => {
  // Inside the repository, as dist/ is: the bundles find node_modules and the console above them.
  mkdirSync(join(REPO_ROOT, 'dist'), { recursive: true });
  const outdir = mkdtempSync(join(REPO_ROOT, 'dist', '.test-'));
  const procs: ChildProcess[] = [];
  let meta: Metafile;
  let ns: RedisNamespace;
  beforeAll(async () => {
    meta = await buildDist(outdir);
    ns = await redisNamespace('build');
  });
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await ns?.cleanup();
    rmSync(outdir, { recursive: true, force: true });
  });

  it('bundles each entry with our workspace packages inside and only production dependencies outside', () => {
    const prod = new Set(Object.keys((JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies));
    for (const entry of BUILD_ENTRIES) {
      const out = join(outdir, bundlePath(entry));
      expect(existsSync(`${out}.map`), `${entry}: source map`).toBe(true);
      const output = Object.entries(meta.outputs).find(([file]) => join(REPO_ROOT, file) === out)?.[1];
      expect(output, entry).toBeDefined();
      // The workspace libraries' TypeScript is in the bundle (node could not load it).
      if (entry.startsWith('apps/')) expect(Object.keys(output!.inputs).some((i) => i.startsWith('libs/platform/src/')), entry).toBe(true);
      for (const imp of output!.imports) {
        expect(imp.external, `${entry} → ${imp.path}`).toBe(true);
        const builtin = imp.path.startsWith('node:') || builtinModules.includes(imp.path);
        // The image installs with --omit=dev: a devDependency imported here would fail there.
        if (!builtin) expect(prod.has(packageOf(imp.path)), `${entry} imports ${imp.path}, not a production dependency`).toBe(true);
      }
    }
  });

  it('the built ingress and admin start on Redis from any directory, and the admin serves the web console', async () => {
    const [ingressPort, opsPort, adminPort] = [await freePort(), await freePort(), await freePort()];
    const config = join(outdir, 'gateway.yaml');
    writeFileSync(config, stringify({
      redis: { url: ns.url, prefix: ns.prefix },
      ingress: { host: '127.0.0.1', port: ingressPort },
      http: { host: '127.0.0.1', ports: { ingress: opsPort } },
      admin: { host: '127.0.0.1', port: adminPort },
      log: { level: 'warn' },
      clients: [{ systemId: 'demo', password: 'demo' }],
      smscs: [{ id: 'sim', host: '127.0.0.1', port: 1, systemId: 'gw', password: 'gw' }],
      routes: [{ prefix: '', smscs: ['sim'] }],
    }));
    for (const app of ['ingress', 'admin']) {
      procs.push(spawn(process.execPath, ['--enable-source-maps', join(outdir, app, 'main.js')], { cwd: outdir, env: { ...process.env, GATEWAY_CONFIG: config }, stdio: 'ignore' }));
    }
    await Promise.all([waitOk(`http://127.0.0.1:${opsPort}/readyz`, procs[0]!, 30_000), waitOk(`http://127.0.0.1:${adminPort}/readyz`, procs[1]!, 30_000)]);
    const page = await fetch(`http://127.0.0.1:${adminPort}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    // A clean SIGTERM shutdown, as under a container runtime.
    const codes = await Promise.all(procs.map((p) => new Promise((r) => (p.on('exit', (code) => r(code)), p.kill('SIGTERM')))));
    expect(codes).toEqual([0, 0]);
  }, 45_000); // ~2 s on a quiet machine; generous for a loaded one

  it('the Dockerfile and docker-compose.yml run bundles this build makes, not TypeScript through tsx', () => {
    const bundles = new Set(BUILD_ENTRIES.map((e) => `dist/${bundlePath(e)}`));
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    const cmds = [JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[]];
    const compose = parseYaml(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { build?: unknown; command?: string[] }> };
    for (const svc of Object.values(compose.services)) if (svc.build !== undefined) cmds.push(svc.command!);
    expect(cmds).toHaveLength(8); // the image's CMD, the five apps, the admin API and the simulator
    for (const cmd of cmds) {
      expect(cmd.slice(0, 2), cmd.join(' ')).toEqual(['node', '--enable-source-maps']);
      expect(bundles.has(cmd[2]!), cmd.join(' ')).toBe(true);
    }
  });

  it('maps only main.ts entries to dist/, and a missing bundle says to build first', () => {
    expect(bundlePath('apps/policy-worker/src/main.ts')).toBe('policy-worker/main.js');
    expect(bundlePath('tools/smsc-sim/src/main.ts')).toBe('smsc-sim/main.js');
    expect(() => bundlePath('apps/ingress/src/ingress-server.ts')).toThrow(/only .*main\.ts/);
    expect(() => compiledEntry('tools/no-such-tool/src/main.ts')).toThrow('dist/no-such-tool/main.js is missing: run npm run build first');
    expect(() => supervise({ name: 'x', entry: 'tools/no-such-tool/src/main.ts', compiled: true })).toThrow(/run npm run build first/);
  });
});
