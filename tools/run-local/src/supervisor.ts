import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The nearest directory at or above `from` whose package.json is the workspace root's: the same
 * answer from this source file and from its bundle (dist/run-local/main.js).
 */
export function findRepoRoot(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'smsgw') return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json named "smsgw" at or above ${from}`);
  }
}

export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/**
 * `apps/<app>/src/main.ts` or `tools/<tool>/src/main.ts` → `<app>/main.js`: where `npm run build`
 * puts its bundle, under dist/.
 */
export function bundlePath(entry: string): string {
  const m = /^(?:apps|tools)\/([^/]+)\/src\/main\.ts$/.exec(entry);
  if (!m) throw new Error(`${entry}: only apps/<app>/src/main.ts and tools/<tool>/src/main.ts are built into dist/`);
  return `${m[1]}/main.js`;
}

/** The bundle of `entry` in dist/; a missing one is an error that says how to make it. */
export function compiledEntry(entry: string): string {
  const file = join(REPO_ROOT, 'dist', bundlePath(entry));
  if (!existsSync(file)) throw new Error(`${relative(REPO_ROOT, file)} is missing: run npm run build first`);
  return file;
}

export const APPS = ['ingress', 'policy-worker', 'sender', 'dlr-worker', 'journal-exporter'] as const;
export type App = (typeof APPS)[number];

export interface SupervisedOptions {
  name: string;
  /** TypeScript entry point, relative to the repository root. */
  entry: string;
  /**
   * Run its bundle from dist/ (`npm run build`) instead of the source through tsx, as production
   * does. Default: SMSGW_COMPILED=1 in the environment (`npm start`, `npm run bench`).
   */
  compiled?: boolean;
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Restart when it exits unexpectedly (a container restart policy), with backoff. */
  restart?: boolean;
  /** Where its stdout/stderr go: 'inherit' (the terminal) or a line callback. */
  output?: 'inherit' | ((line: string, stream: 'stdout' | 'stderr') => void);
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface Supervised {
  readonly name: string;
  readonly pid: number | undefined;
  readonly restarts: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL now (crash simulation); restarts if restart is on. */
  kill(): void;
}

function pipeLines(stream: NodeJS.ReadableStream | null, cb: (line: string) => void) {
  if (!stream) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      cb(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

/**
 * Runs one app as its own Node process (its bundle from dist/, or the TypeScript source through
 * tsx), restarting it if it dies. A missing bundle throws here, before anything is started.
 */
export function supervise(o: SupervisedOptions): Supervised {
  const compiled = o.compiled ?? process.env.SMSGW_COMPILED === '1';
  const bundle = compiled ? compiledEntry(o.entry) : undefined;
  // Source maps: stack traces name the TypeScript files, not the bundle's lines.
  const program = bundle ? ['--enable-source-maps', bundle] : ['--import', 'tsx', resolve(REPO_ROOT, o.entry)];
  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = () => {
    // SMSGW_NODE_ARGS adds Node flags to every supervised process (e.g. --cpu-prof for profiling).
    const nodeArgs = (process.env.SMSGW_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const c = spawn(process.execPath, [...nodeArgs, ...program, ...(o.args ?? [])], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...o.env },
      stdio: o.output === 'inherit' || !o.output ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    if (typeof o.output === 'function') {
      const cb = o.output;
      pipeLines(c.stdout, (l) => cb(l, 'stdout'));
      pipeLines(c.stderr, (l) => cb(l, 'stderr'));
    }
    exited = new Promise((resolveExit) => {
      c.on('exit', (code, signal) => {
        o.onExit?.(code, signal);
        resolveExit();
        if (stopping || !o.restart) return;
        restarts++;
        const delay = Math.min(10_000, 250 * 2 ** Math.min(restarts, 6));
        process.stderr.write(`[run-local] ${o.name} exited (${signal ?? code}); restarting in ${delay} ms\n`);
        timer = setTimeout(launch, delay);
      });
    });
  };
  launch();

  return {
    name: o.name,
    get pid() {
      return child?.pid;
    },
    get restarts() {
      return restarts;
    },
    async stop(graceMs = 10_000) {
      stopping = true;
      if (timer) clearTimeout(timer);
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const kill = setTimeout(() => c.kill('SIGKILL'), graceMs);
      c.kill('SIGTERM');
      await exited;
      clearTimeout(kill);
    },
    kill() {
      child?.kill('SIGKILL');
    },
  };
}
