import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const APPS = ['ingress', 'policy-worker', 'sender', 'dlr-worker', 'journal-exporter'] as const;
export type App = (typeof APPS)[number];

export interface SupervisedOptions {
  name: string;
  /** TypeScript entry point, relative to the repository root. */
  entry: string;
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

/** Runs one app as its own Node process (TypeScript through tsx), restarting it if it dies. */
export function supervise(o: SupervisedOptions): Supervised {
  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = () => {
    // SMSGW_NODE_ARGS adds Node flags to every supervised process (e.g. --cpu-prof for profiling).
    const nodeArgs = (process.env.SMSGW_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const c = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', resolve(REPO_ROOT, o.entry), ...(o.args ?? [])], {
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
