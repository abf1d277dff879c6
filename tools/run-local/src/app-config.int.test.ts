import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APPS, REPO_ROOT } from './supervisor';

// Every app refuses a bad config at start: exit code 2 and a message naming the field.
describe('a bad config stops every app with a message naming the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-badcfg-'));
  const file = join(dir, 'bad.yaml');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(file, 'ingress: { port: "two thousand" }\nsmscs:\n  - { id: op1, host: h, port: 1, systemId: gw, password: pw, window: 0 }\n');

  it.each(APPS)('%s', (app) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, `apps/${app}/src/main.ts`), '--config', file], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`config: ${file} is invalid`);
    expect(r.stderr).toMatch(/→ at ingress\.port/);
    expect(r.stderr).toMatch(/→ at smscs\[0\]\.window/);
  });
});
