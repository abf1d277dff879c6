import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createAppMetrics } from '@smsgw/platform';
import { REPO_ROOT } from './supervisor';

const DEPLOY = join(REPO_ROOT, 'deploy');
const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
const promtool = (...args: string[]) => spawnSync('promtool', args, { cwd: join(DEPLOY, 'prometheus'), encoding: 'utf8' });

interface Panel {
  id: number;
  title: string;
  datasource?: { uid?: string };
  targets: Array<{ refId: string; expr: string }>;
}
const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana/dashboards/smsgw-overview.json'), 'utf8')) as { uid: string; panels: Panel[]; templating: { list: Array<{ name: string }> } };

/** Every series the apps export (one registry, as each app's /metrics), plus Prometheus' own `up`. */
function knownMetrics(): Set<string> {
  const registry = new Registry();
  createAppMetrics(registry);
  const names = new Set(['up']);
  for (const m of registry.getMetricsAsArray()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${m.name}${s}`);
  }
  return names;
}
const metricsIn = (expr: string) => [...expr.matchAll(/\b(smsgw_[a-z_]+|up)\b(?=\s*[{[)\s]|$)/g)].map((m) => m[1]!);

describe('monitoring files (deploy/)', () => {
  it.skipIf(!hasPromtool)('alert rules: promtool checks them and their unit tests pass (skipped without promtool, Debian package prometheus)', () => {
    const check = promtool('check', 'rules', 'alerts.yml');
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const test = promtool('test', 'rules', 'alerts.test.yml');
    expect(test.status, test.stdout + test.stderr).toBe(0);
    const config = promtool('check', 'config', 'prometheus.yml');
    expect(config.status, config.stdout + config.stderr).toBe(0);
  });

  it.skipIf(!hasPromtool)('every dashboard query is valid PromQL (checked by promtool as recording rules; skipped without promtool)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsgw-dash-'));
    try {
      const rules = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ record: `dashboard:panel_${p.id}_${t.refId}`, expr: t.expr })));
      writeFileSync(join(dir, 'dashboard.rules.yml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
      const res = spawnSync('promtool', ['check', 'rules', join(dir, 'dashboard.rules.yml')], { encoding: 'utf8' });
      expect(res.status, res.stdout + res.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the dashboard and the alerts name only series the apps export; panels have unique ids and the datasource variable', () => {
    const known = knownMetrics();
    const alerts = readFileSync(join(DEPLOY, 'prometheus/alerts.yml'), 'utf8');
    const used = [...dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricsIn(t.expr))), ...[...alerts.matchAll(/expr: (.+)/g)].flatMap((m) => metricsIn(m[1]!))];
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((n) => !known.has(n))).toEqual([]);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list.map((v) => v.name)).toContain('datasource');
    for (const p of dashboard.panels) {
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      expect(p.targets.length, p.title).toBeGreaterThan(0);
    }
  });
});
