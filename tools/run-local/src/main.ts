import { parseArgs } from 'node:util';
import { APPS, supervise, type Supervised } from './supervisor';

/**
 * `npm start`: the whole gateway on this machine — the SMSC simulator as the upstream, the
 * five apps and the admin API as separate processes, each restarted if it dies. Ctrl-C stops
 * everything. `npm start` runs this from dist/ with SMSGW_COMPILED=1, so every process runs its
 * bundle (`npm run build`); `tsx tools/run-local/src/main.ts` runs them all from source.
 */
const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    'no-sim': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('usage: npm start [-- --config gateway.yaml] [--no-sim]\n  runs the SMSC simulator (port 2776), the five apps and the admin API (port 9106); Ctrl-C stops them');
  process.exit(0);
}
const env = values.config ? { GATEWAY_CONFIG: values.config } : {};
const procs: Supervised[] = [];
try {
  if (!values['no-sim']) {
    procs.push(supervise({ name: 'smsc-sim', entry: 'tools/smsc-sim/src/main.ts', args: ['--host', '127.0.0.1', '--port', '2776'], restart: true, output: 'inherit' }));
  }
  for (const app of APPS) {
    procs.push(supervise({ name: app, entry: `apps/${app}/src/main.ts`, env, restart: true, output: 'inherit' }));
  }
  // The admin API (admin.port, default 9106) beside the pipeline; not in APPS, so the end-to-end
  // stacks (stack.ts) do not start it.
  procs.push(supervise({ name: 'admin', entry: 'apps/admin/src/main.ts', env, restart: true, output: 'inherit' }));
} catch (err) {
  // A bundle missing from dist/ (SMSGW_COMPILED=1 without `npm run build`): nothing left running.
  console.error(`[run-local] ${(err as Error).message}`);
  await Promise.allSettled(procs.map((p) => p.stop()));
  process.exit(1);
}
console.error(`[run-local] started ${procs.map((p) => p.name).join(', ')}; SMPP clients bind to 127.0.0.1:2775 (demo/demo)`);

let stopping = false;
const stop = async () => {
  if (stopping) process.exit(1);
  stopping = true;
  console.error('[run-local] stopping…');
  await Promise.allSettled(procs.map((p) => p.stop()));
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
