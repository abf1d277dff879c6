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
});
