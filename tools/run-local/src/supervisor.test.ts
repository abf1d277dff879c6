import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, supervise } from './supervisor';

describe('supervise', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-sup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('restarts a process that dies (as a container restart policy would) and stops it on request', async () => {
    const entry = join(dir, 'app.ts');
    writeFileSync(entry, "console.log('up ' + process.pid); setInterval(() => {}, 1000);\n");
    const lines: string[] = [];
    const p = supervise({ name: 'x', entry: relative(REPO_ROOT, entry), restart: true, output: (l) => lines.push(l) });
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
    };
    await until(() => lines.length === 1);
    const first = p.pid;
    p.kill(); // SIGKILL: a crash
    await until(() => lines.length === 2);
    expect(p.restarts).toBe(1);
    expect(p.pid).not.toBe(first);
    expect(lines[1]).toBe(`up ${p.pid}`);
    await p.stop(2_000);
    await new Promise((r) => setTimeout(r, 600));
    expect(lines).toHaveLength(2); // stopped on purpose: not restarted
  }, 30_000);
});
