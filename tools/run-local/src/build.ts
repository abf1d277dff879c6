import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Metafile, type Plugin } from 'esbuild';
import { APPS, bundlePath, REPO_ROOT } from './supervisor';

/**
 * `npm run build`: every process `npm start` and the Docker image run, bundled into one ESM file
 * each under dist/ (`dist/<app>/main.js`, with its source map), so production runs plain
 * JavaScript instead of compiling TypeScript through tsx at every start.
 */
export const BUILD_ENTRIES = [
  ...APPS.map((app) => `apps/${app}/src/main.ts`),
  'apps/admin/src/main.ts',
  'tools/smsc-sim/src/main.ts',
  'tools/run-local/src/main.ts',
];

/**
 * Our workspace packages (@smsgw/*, whose package.json points at TypeScript) and relative imports
 * are bundled; every other package stays an import, loaded from node_modules at run time as it
 * expects (aerospike's native addon, pino's worker-thread transports, s3rver's own requires).
 */
const npmPackagesExternal: Plugin = {
  name: 'npm-packages-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@smsgw/') ? undefined : { path: args.path, external: true }));
  },
};

/** Builds every entry into `outdir` (default dist/); the metafile lists each bundle's inputs and imports. */
export async function buildDist(outdir = join(REPO_ROOT, 'dist')): Promise<Metafile> {
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: Object.fromEntries(BUILD_ENTRIES.map((entry) => [bundlePath(entry).replace(/\.js$/, ''), entry])),
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    // The sources ship beside dist/ (repository, image): the maps need only point at them.
    sourcesContent: false,
    // No keepNames: it wraps every function the code creates in a __name() call (an
    // Object.defineProperty, ~0.5 µs, and a function object in slow mode) — per message, on the hot
    // paths. Unminified, the bundle keeps the source's names but for the few it renames to avoid a
    // clash between modules; our errors set their `name` themselves.
    keepNames: false,
    plugins: [npmPackagesExternal],
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
  const started = Date.now();
  const meta = await buildDist(values.outdir && join(process.cwd(), values.outdir));
  const outputs = Object.entries(meta.outputs).filter(([file]) => file.endsWith('.js'));
  const kib = outputs.reduce((n, [, o]) => n + o.bytes, 0) / 1024;
  console.error(`[build] ${outputs.length} bundles, ${Math.round(kib)} KiB in ${relative(process.cwd(), join(REPO_ROOT, values.outdir ?? 'dist')) || '.'} (${Date.now() - started} ms)`);
}
