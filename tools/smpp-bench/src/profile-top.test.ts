import { describe, expect, it } from 'vitest';
import { summariseProfile, type CpuProfile } from './profile-top';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

describe('cpu profile summary', () => {
  it('adds each sample\'s time to its function, leaves idle out, and groups by area', () => {
    const p: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('handle', 'file:///repo/apps/sender/src/message-sender.ts', 9) },
        { id: 3, callFrame: frame('encode', 'file:///repo/node_modules/ioredis/built/x.js', 0) },
        { id: 4, callFrame: frame('(garbage collector)') },
        { id: 5, callFrame: frame('(idle)') },
        { id: 6, callFrame: frame('writeGeneric', 'node:internal/stream_base_commons', 3) },
      ],
      startTime: 0,
      endTime: 1_000_000,
      // The delta before sample i is sample i-1's time: handle 600 µs, encode 200, gc 100, idle 5000, node 100.
      samples: [2, 3, 4, 5, 6, 2],
      timeDeltas: [0, 600, 200, 100, 5_000, 100, 0],
    };
    const s = summariseProfile(p, '/repo', 3);
    expect(s.busyMs).toBe(1);
    expect(s.top.map((t) => [t.where, t.selfPct])).toEqual([
      ['handle (apps/sender/src/message-sender.ts:10)', 60],
      ['encode (node_modules/ioredis/built/x.js:1)', 20],
      ['(garbage collector)', 10],
    ]);
    expect(s.byArea).toEqual({ ours: 60, dependencies: 20, node: 10, gc: 10, other: 0 });
  });

  it('counts a compiled bundle (dist/<app>/main.js) as our code', () => {
    const p: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('sendClaimed', 'file:///repo/dist/sender/main.js', 6226) },
        { id: 3, callFrame: frame('Command', 'file:///repo/node_modules/ioredis/built/Command.js', 62) },
      ],
      startTime: 0,
      endTime: 1_000,
      samples: [2, 3, 2],
      timeDeltas: [0, 750, 250],
    };
    expect(summariseProfile(p, '/repo', 2).byArea).toMatchObject({ ours: 75, dependencies: 25 });
  });

  it('counts only the samples inside a window (the measured run, not start-up or shutdown)', () => {
    const p: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('compile', 'node:internal/modules/cjs/loader', 1) },
        { id: 3, callFrame: frame('handle', 'file:///repo/dist/sender/main.js', 9) },
        { id: 4, callFrame: frame('close', 'node:net', 2) },
      ],
      startTime: 0,
      endTime: 10_000,
      // Samples at 1,000 and 2,000 µs (start-up), 5,000 and 6,000 (the run), 9,000 (shutdown).
      samples: [2, 2, 3, 3, 4],
      timeDeltas: [1_000, 1_000, 3_000, 1_000, 3_000, 1_000],
    };
    const whole = summariseProfile(p, '/repo', 3);
    expect(whole.top.map((t) => t.where)).toContain('compile (node:internal/modules/cjs/loader:2)');
    const run = summariseProfile(p, '/repo', 3, { fromUs: 4_000, toUs: 8_000 });
    expect(run.top.map((t) => [t.where, t.selfMs * 1000])).toEqual([['handle (dist/sender/main.js:10)', 4_000]]);
    expect(run.byArea).toMatchObject({ ours: 100, node: 0 });
  });
});
