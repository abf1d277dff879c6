import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsRegistry, startOpsServer, type OpsServer } from './http-server';
import { createAppMetrics } from './metrics';

describe('ops HTTP server', () => {
  let ops: OpsServer | undefined;
  afterEach(async () => {
    await ops?.close();
  });

  it('serves /healthz, /readyz with the failing check named, and Prometheus /metrics', async () => {
    const registry = createMetricsRegistry('test-app');
    const metrics = createAppMetrics(registry);
    metrics.messages.inc({ stage: 'ingress', outcome: 'accepted' }, 3);
    let redisUp = false;
    ops = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry,
      checks: { redis: () => { if (!redisUp) throw new Error('connection refused'); } },
    });
    const base = `http://127.0.0.1:${ops.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toBe('redis: connection refused\n');
    redisUp = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('smsgw_messages_total{stage="ingress",outcome="accepted",app="test-app"} 3');
    expect(text).toContain('process_cpu_seconds_total');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('with a metricsToken answers /metrics only to Authorization: Bearer <token>; /healthz and /readyz stay open', async () => {
    const registry = createMetricsRegistry('test-app');
    createAppMetrics(registry).messages.inc({ stage: 'ingress', outcome: 'accepted' });
    const token = 'a-metrics-token-0123456789';
    ops = await startOpsServer({ host: '127.0.0.1', port: 0, registry, checks: {}, metricsToken: token });
    const metrics = (authorization?: string) => fetch(`http://127.0.0.1:${ops!.port}/metrics`, { headers: authorization ? { authorization } : {} });
    for (const wrong of [undefined, 'Bearer', `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Basic ${token}`, token]) {
      const res = await metrics(wrong);
      expect(res.status, String(wrong)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.text()).not.toContain('smsgw_');
    }
    const ok = await metrics(`Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('smsgw_messages_total');
    expect((await fetch(`http://127.0.0.1:${ops.port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ops.port}/readyz`)).status).toBe(200);
  });

  it('labels client sessions peer="client" unless peerLabels is on; SMSC sessions keep their id', async () => {
    const scrape = async (peerLabels?: boolean) => {
      const registry = createMetricsRegistry('test-app');
      const m = createAppMetrics(registry, peerLabels === undefined ? undefined : { peerLabels });
      m.sessionsBound.inc({ side: 'client', peer: 'acme' });
      m.sessionsBound.inc({ side: 'client', peer: 'globex' }, 2);
      m.sessionsBound.dec({ side: 'client', peer: 'globex' });
      m.sessionsBound.set({ side: 'smsc', peer: 'op1' }, 4);
      return registry.getSingleMetricAsString('smsgw_smpp_sessions_bound');
    };
    for (const off of [await scrape(), await scrape(false)]) {
      expect(off).toContain('smsgw_smpp_sessions_bound{side="client",peer="client",app="test-app"} 2');
      expect(off).toContain('smsgw_smpp_sessions_bound{side="smsc",peer="op1",app="test-app"} 4');
      expect(off).not.toMatch(/acme|globex/);
    }
    const on = await scrape(true);
    expect(on).toContain('smsgw_smpp_sessions_bound{side="client",peer="acme",app="test-app"} 1');
    expect(on).toContain('smsgw_smpp_sessions_bound{side="client",peer="globex",app="test-app"} 1');
  });
});
