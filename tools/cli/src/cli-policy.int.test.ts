import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOKENS } from '@smsgw/admin/src/admin-fixture';
import { useCliAdmin } from './cli-fixture';

const env = useCliAdmin('cli-policy', 'policy: { rules: [{ type: max-segments, max: 3 }] }');
const smsgw = (args: string[], token: string) => env.smsgw(args, { token });

const file = async (name: string, text: string) => {
  const path = join(env.dir, name);
  await writeFile(path, text);
  return path;
};

describe('smsgw policy', () => {
  it('show: the file\'s rules as YAML, routes and workers as comments', async () => {
    const res = await smsgw(['policy', 'show'], TOKENS.viewer);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("# the config file's policy (no version set in Redis)\n# routes:\n#   44 → pool bulk: sim\n#   (any) → pool sim: sim\n# policy-workers:\n#   (none reported)\n");
    expect(res.stdout).toMatch(/^rules:\n {2}- type: max-segments\n {4}max: 3$/m);
  });

  it('set: admins only, a bad file refused naming the field, a stale --expect refused; the version set is printed', async () => {
    const good = await file('policy.yaml', 'policy:\n  rules:\n    - { type: content-deny, keywords: [casino] }\n');
    const viewer = await smsgw(['policy', 'set', '--file', good], TOKENS.viewer);
    expect(viewer).toMatchObject({ code: 1, stderr: 'smsgw: this needs the admin role; token "ops-viewer" is viewer\n' });
    const bad = await smsgw(['policy', 'set', '--file', await file('bad.yaml', 'rules: [{ type: contentdeny }]\n')], TOKENS.admin);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^smsgw: policy\.rules\[0\]\.type: must be one of content-deny, quiet-hours/);
    expect(await smsgw(['policy', 'set', '--file', good, '--expect', '0'], TOKENS.admin)).toEqual({ code: 0, stdout: 'policy version 1 set\n', stderr: '' });
    const stale = await smsgw(['policy', 'set', '--file', good, '--expect', '0'], TOKENS.admin);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('the policy is at version 1');
    expect((await smsgw(['policy', 'set', '--file', good, '--expect', 'x'], TOKENS.admin)).code).toBe(2);
  });

  it('what show prints, set takes back', async () => {
    const shown = await smsgw(['policy', 'show'], TOKENS.viewer);
    expect(shown.stdout).toMatch(/^# policy version 1, set by ops-admin at \d{4}-/);
    const back = await smsgw(['policy', 'set', '--file', await file('shown.yaml', shown.stdout)], TOKENS.admin);
    expect(back.stdout).toBe('policy version 2 set\n');
    const api = await env.fx.app.inject({ method: 'GET', url: '/v1/policy', headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    expect(api.json().policy).toEqual({ rules: [{ type: 'content-deny', keywords: ['casino'] }] });
  });

  it('rollback and history', async () => {
    await smsgw(['policy', 'set', '--file', await file('segs.yaml', 'rules: [{ type: max-segments, max: 1 }]\n')], TOKENS.admin);
    expect(await smsgw(['policy', 'rollback'], TOKENS.admin)).toEqual({ code: 0, stdout: 'policy version 4 set: the rules of version 2\n', stderr: '' });
    expect((await smsgw(['policy', 'rollback', '3'], TOKENS.admin)).stdout).toBe('policy version 5 set: the rules of version 3\n');
    expect((await smsgw(['policy', 'rollback', '99'], TOKENS.admin)).stderr).toBe('smsgw: version 99 is not kept (the last 21 versions are)\n');
    const history = await smsgw(['policy', 'history'], TOKENS.viewer);
    const rows = history.stdout.trimEnd().split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(rows[0]).toEqual(['VERSION', 'BY', 'AT', 'ROLLBACK OF', 'IN FORCE']);
    expect(rows.slice(1).map((r) => [r[0], r[1], r[3], r[4]])).toEqual([['5', 'ops-admin', '3', 'yes'], ['4', 'ops-admin', '2', '-'], ['3', 'ops-admin', '-', '-'], ['2', 'ops-admin', '-', '-'], ['1', 'ops-admin', '-', '-']]);
  });
});

describe('smsgw route test', () => {
  it('a table of stage verdicts and the route, SMSC, encoding and segments; --json is the API body', async () => {
    // Version 5 in force: max-segments 1.
    const res = await smsgw(['route', 'test', 'acme', '447700900123', 'x'.repeat(161)], TOKENS.viewer);
    expect(res.code).toBe(0);
    const [table, fields] = res.stdout.split('\n\n');
    expect(table!.split('\n').map((l) => l.trim().split(/\s{2,}/))).toEqual([
      ['STAGE', 'VERDICT', 'REASON', 'CODE'],
      ['registration', 'pass', '-', '-'],
      ['blacklist', 'pass', '-', '-'],
      ['business-rules', 'reject', 'too-many-segments', '225'],
      ['authorization', 'skip', 'not reached', '-'],
      ['routing', 'skip', 'not reached', '-'],
    ]);
    expect(fields).toBe(['allowed      no', 'destination  447700900123', 'pool         bulk', 'smsc         sim', 'encoding     gsm7 (data_coding 0, udh8)', 'segments     2', 'bytes        173', 'policy       version 5', ''].join('\n'));
    const json = await smsgw(['route', 'test', 'acme', '447700900123', 'привет', '--json'], TOKENS.viewer);
    expect(JSON.parse(json.stdout)).toMatchObject({ client: 'acme', allowed: true, pool: 'bulk', encoding: 'ucs2', segments: 1 });
    expect((await smsgw(['route', 'test', 'nobody', '447700900123', 'x'], TOKENS.viewer)).stderr).toBe('smsgw: no client "nobody"\n');
  });
});
