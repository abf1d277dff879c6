import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freePort, procActivity, REPO_ROOT } from '@smsgw/tool-run-local';
import { runBench } from './bench-client';

/**
 * `npm run bench:rig`: what the bench rig itself costs, without the gateway. The SMSC simulator
 * runs as its own process (as in `npm run bench`: receipts at once, window 500) and this process
 * binds smpp-bench straight to it. Prints one JSON line with the CPU per message of each (from
 * /proc: every thread, user + kernel; the kernel's share apart, which on loopback includes the
 * peer's TCP receive work) and the write syscalls (write, writev) each makes per 1000 messages,
 * which shows how well it batches its PDUs.
 * - `RIG_MESSAGES` (default 50000), `RIG_WINDOW` (default 200, as the bench), `RIG_RECEIPT_DELAY_MS` (default 0).
 * - `RIG_RATE=3000`: offered load in submits/s (default: as fast as the window allows). Paced,
 *   each read and write carries fewer PDUs, as when the gateway sits in between.
 * - A warm-up run (`RIG_WARMUP`, default 5000 messages) goes first and is not counted.
 * - `RIG_SIM_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"`: extra node options of the simulator.
 */
const env = process.env;
const count = Number(env.RIG_MESSAGES ?? 50_000);
const window = Number(env.RIG_WINDOW ?? 200);
const warmup = Number(env.RIG_WARMUP ?? 5_000);
const rate = env.RIG_RATE ? Number(env.RIG_RATE) : undefined;
const port = await freePort();

const sim = spawn(
  process.execPath,
  [...(env.RIG_SIM_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', 'tools/smsc-sim/src/main.ts', '--host', '127.0.0.1', '--port', String(port), '--receipt-delay-ms', env.RIG_RECEIPT_DELAY_MS ?? '0', '--window', '500', '--log-level', 'info'],
  { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
);
/** CPU in µs (user, kernel) and write system calls of a process so far (/proc, every thread). */
function usage(pid: number): { userUs: number; sysUs: number; writes: number } {
  const a = procActivity(pid);
  if (!a) throw new Error(`no /proc entry for pid ${pid} (the rig bench reads Linux /proc)`);
  return { userUs: a.userSeconds * 1e6, sysUs: a.systemSeconds * 1e6, writes: a.writeCalls };
}
const exited = new Promise<number | null>((resolve) => sim.once('exit', (code) => resolve(code)));
try {
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: sim.stderr! });
    lines.on('line', (line) => {
      if (line.includes('smsc-sim listening')) resolve();
    });
    void exited.then((code) => reject(new Error(`smsc-sim exited (${code}) before listening`)));
  });
  const bench = (n: number) => runBench({ host: '127.0.0.1', port, systemId: 'rig', password: 'rig', count: n, window, rate, receiptTimeoutMs: 60_000 });
  if (warmup > 0) await bench(warmup);
  const procs = { 'smsc-sim': sim.pid!, 'smpp-bench': process.pid } as const;
  const before = { 'smsc-sim': usage(procs['smsc-sim']), 'smpp-bench': usage(procs['smpp-bench']) };
  const summary = await bench(count);
  if (summary.accepted !== count || summary.receipts !== count) throw new Error(`incomplete run: ${JSON.stringify(summary)}`);
  const per = (n: number, unit: number) => Math.round((n * unit) / count);
  const cpuUsPerMsg: Record<string, number> = {};
  const kernelUsPerMsg: Record<string, number> = {};
  const writesPer1000: Record<string, number> = {};
  for (const name of ['smsc-sim', 'smpp-bench'] as const) {
    const a = before[name];
    const b = usage(procs[name]);
    cpuUsPerMsg[name] = per(b.userUs - a.userUs + b.sysUs - a.sysUs, 1);
    kernelUsPerMsg[name] = per(b.sysUs - a.sysUs, 1);
    writesPer1000[name] = per(b.writes - a.writes, 1000);
  }
  cpuUsPerMsg.total = cpuUsPerMsg['smsc-sim']! + cpuUsPerMsg['smpp-bench']!;
  console.log(JSON.stringify({
    messages: count, window, ...(rate ? { offeredPerSec: rate } : {}), endToEndPerSec: summary.endToEndPerSec, cpuUsPerMsg, kernelUsPerMsg, writesPer1000,
  }));
} finally {
  sim.kill('SIGTERM');
  await exited;
}
