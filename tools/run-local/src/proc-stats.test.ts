import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { platform } from 'node:os';
import { describe, expect, it } from 'vitest';
import { procActivity, procCpuSeconds } from './proc-stats';

// /proc is Linux's: elsewhere the functions answer undefined (checked below either way).
const linux = platform() === 'linux';

describe.skipIf(!linux)('procActivity (Linux /proc; skipped elsewhere: no /proc there)', () => {
  it('counts the write and read calls, the sleeps and the CPU of a process as they happen', async () => {
    const before = procActivity(process.pid)!;
    const out = openSync('/dev/null', 'w');
    const zero = openSync('/dev/zero', 'r');
    const buf = Buffer.alloc(64);
    try {
      for (let i = 0; i < 500; i++) writeSync(out, buf);
      for (let i = 0; i < 300; i++) readSync(zero, buf);
    } finally {
      closeSync(out);
      closeSync(zero);
    }
    // Each timer wait puts the main thread to sleep in epoll_wait: a voluntary context switch.
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 2));
    // Some CPU, so the clock-tick counters (10 ms) move.
    for (const end = Date.now() + 60; Date.now() < end;) Math.sqrt(Math.random());
    const after = procActivity(process.pid)!;
    expect(after.writeCalls - before.writeCalls).toBeGreaterThanOrEqual(500);
    expect(after.readCalls - before.readCalls).toBeGreaterThanOrEqual(300);
    expect(after.wakeups - before.wakeups).toBeGreaterThanOrEqual(20);
    expect(after.preemptions).toBeGreaterThanOrEqual(before.preemptions);
    expect(after.userSeconds + after.systemSeconds).toBeGreaterThan(before.userSeconds + before.systemSeconds);
    // The same clock as procCpuSeconds.
    expect(Math.abs(after.userSeconds + after.systemSeconds - procCpuSeconds(process.pid)!)).toBeLessThanOrEqual(0.05);
  });

  it('reads another process, and nothing once it is gone', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      expect(procActivity(child.pid)).toMatchObject({ wakeups: expect.any(Number), writeCalls: expect.any(Number) });
    } finally {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    expect(procActivity(child.pid)).toBeUndefined();
    expect(procActivity(undefined)).toBeUndefined();
  });
});
