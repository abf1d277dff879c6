import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '@smsgw/testing';
import { loadConfig } from './config';
import { parseTraceparent } from './traceparent';
import { endWithStatus, SPAN_ATTR, startTracing } from './tracing';

// The OpenTelemetry SDK as the apps run it, exporting over real HTTP to an in-test collector.
describe('tracing (OTLP/HTTP JSON export)', () => {
  let rx: OtlpReceiver;
  beforeAll(async () => {
    rx = await startOtlpReceiver();
  });
  afterAll(() => rx.close());

  const config = (sampleRatio: number) =>
    loadConfig({ text: `tracing: { enabled: true, sampleRatio: ${sampleRatio}, batchDelayMs: 50, otlp: { endpoint: "${rx.url}/", headers: { x-api-key: k1 } } }` }).tracing;

  it('exports a root span and its children in one trace, parented through their traceparents, with the service of each app', async () => {
    const ingress = await startTracing(config(1), { app: 'ingress', instance: 'ingress-1' });
    const policy = await startTracing(config(1), { app: 'policy-worker', instance: 'policy-1' });
    const root = ingress.root('ingress submit_sm', 'server', { [SPAN_ATTR.messageId]: 'm-1', [SPAN_ATTR.client]: 'acme', [SPAN_ATTR.pool]: undefined })!;
    expect(root).toBeDefined();
    endWithStatus(root, 0);
    const started = Date.now() - 5_000;
    const child = policy.child('policy check', root.tp, 'consumer', { [SPAN_ATTR.messageId]: 'm-1' }, started)!;
    child.set({ [SPAN_ATTR.outcome]: 'rejected' });
    child.fail('blacklisted');
    child.end();
    // close() flushes what the batch still holds.
    await Promise.all([ingress.close(), policy.close()]);
    const spans = await rx.waitFor((s) => s.length >= 2, 5_000);
    const r = spans.find((s) => s.name === 'ingress submit_sm')!;
    const c = spans.find((s) => s.name === 'policy check')!;
    expect(r).toMatchObject({ service: 'smsgw-ingress', instance: 'ingress-1', parentSpanId: '', kind: 2, statusCode: 0 });
    expect(r.attributes).toEqual({ [SPAN_ATTR.messageId]: 'm-1', [SPAN_ATTR.client]: 'acme', [SPAN_ATTR.commandStatus]: 0 });
    expect(c).toMatchObject({ service: 'smsgw-policy-worker', traceId: r.traceId, parentSpanId: r.spanId, kind: 5, statusCode: 2, statusMessage: 'blacklisted' });
    expect(c.attributes[SPAN_ATTR.outcome]).toBe('rejected');
    // The start given (work begun before the parent was known) is the span's start.
    expect(Math.abs(c.startMs - started)).toBeLessThan(2);
    expect(parseTraceparent(root.tp)).toEqual({ traceId: r.traceId, spanId: r.spanId, flags: 1 });
    expect(rx.lastHeaders()['x-api-key']).toBe('k1');
  });

  it('a status other than ESME_ROK fails the span with it', async () => {
    const t = await startTracing(config(1), { app: 'ingress', instance: 'i' });
    endWithStatus(t.root('ingress submit_sm', 'server', { [SPAN_ATTR.messageId]: 'm-throttled' })!, 0x58);
    await t.close();
    const s = (await rx.waitFor((all) => all.some((x) => x.attributes[SPAN_ATTR.messageId] === 'm-throttled'), 5_000)).find((x) => x.attributes[SPAN_ATTR.messageId] === 'm-throttled')!;
    expect(s).toMatchObject({ statusCode: 2, statusMessage: 'command_status 0x00000058' });
    expect(s.attributes[SPAN_ATTR.commandStatus]).toBe(0x58);
  });

  it('sampleRatio 0: no span is started, and nothing continues from an unsampled or malformed context', async () => {
    const before = rx.spans().length;
    const t = await startTracing(config(0), { app: 'ingress', instance: 'i' });
    expect(t.root('ingress submit_sm', 'server', {})).toBeUndefined();
    expect(t.child('policy check', `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-00`, 'consumer', {})).toBeUndefined();
    expect(t.child('policy check', 'not-a-traceparent', 'consumer', {})).toBeUndefined();
    // A sampled parent is followed whatever the ratio (ParentBased): the ingress decided.
    const followed = t.child('policy check', `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`, 'consumer', { [SPAN_ATTR.messageId]: 'm-followed' });
    expect(followed).toBeDefined();
    followed!.end();
    await t.close();
    const spans = await rx.waitFor((all) => all.some((x) => x.attributes[SPAN_ATTR.messageId] === 'm-followed'), 5_000);
    expect(spans.slice(before).map((s) => s.attributes[SPAN_ATTR.messageId])).toEqual(['m-followed']);
  });
});
