import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRY_FIELD, streamNames } from '@smsgw/contracts';
import { STATUS } from '@smsgw/smpp';
import { openStateStore } from '@smsgw/store';
import { connectTestClient, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@smsgw/testing';
import { reachesState, useStack, type StackEnv } from './use-stack';

const MSG = 'smsgw.message_id';

/**
 * One stack with tracing on: a collector (the in-test OTLP/HTTP receiver) started before it, a
 * short export delay, and an extra consumer group on `in` that never reads, so no entry of `in`
 * is trimmed away before the test has read it.
 */
function tracedStack(name: string, sampleRatio: number): { env: StackEnv; rx: () => OtlpReceiver } {
  let rx: OtlpReceiver;
  beforeAll(async () => {
    rx = await startOtlpReceiver();
  });
  const env = useStack(name, {
    sim: { receiptDelayMs: 100 },
    stack: () => ({ extra: { tracing: { enabled: true, sampleRatio, batchDelayMs: 100, otlp: { endpoint: rx.url } } } }),
  });
  beforeAll(async () => {
    await env.ns.redis.xgroup('CREATE', streamNames(env.ns.prefix).in, 'traces-test', '$', 'MKSTREAM');
  });
  afterAll(() => rx?.close());
  return { env, rx: () => rx };
}

/** Submits one message asking for a receipt and waits for that receipt; its UUID. */
async function sendWithReceipt(env: StackEnv, destination: string): Promise<string> {
  const c = await connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'acmepw', mode: 'transceiver' });
  try {
    const r = await c.submit({ source_addr_ton: 5, source_addr: 'TRACE', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: destination, registered_delivery: 1, short_message: Buffer.from('traced') });
    expect(r.status).toBe(STATUS.ESME_ROK);
    await c.waitForReceipts(1, 30_000);
    return r.message_id!;
  } finally {
    await c.close();
  }
}

/** The `in` entries of a message (the test's group keeps them from being trimmed). */
async function inEntries(env: StackEnv, id: string): Promise<Record<string, unknown>[]> {
  const raw = (await env.ns.redis.xrange(streamNames(env.ns.prefix).in, '-', '+')) as Array<[string, string[]]>;
  return raw
    .map(([, fields]) => JSON.parse(fields[fields.indexOf(ENTRY_FIELD) + 1]!) as Record<string, unknown>)
    .filter((e) => e.id === id);
}

const STAGES = [
  ['smsgw-ingress', 'ingress submit_sm'],
  ['smsgw-policy-worker', 'policy check'],
  ['smsgw-sender', 'sender submit_sm'],
  ['smsgw-dlr-worker', 'dlr receipt'],
  ['smsgw-ingress', 'ingress deliver_sm'],
] as const;

describe('traces: one message followed from bind to receipt (OpenTelemetry over OTLP/HTTP)', () => {
  const { env, rx } = tracedStack('e2e-traces', 1);

  it('exports one trace holding the span of every stage, each the child of the one before, all naming the message', async () => {
    const id = await sendWithReceipt(env, '447700900001');
    const ofMessage = (spans: ReceivedSpan[]) => spans.filter((s) => s.attributes[MSG] === id);
    // The deliver_sm span ends when the client answered it: by then every other one has ended too.
    const spans = ofMessage(await rx().waitFor((all) => STAGES.every(([svc, name]) => ofMessage(all).some((s) => s.service === svc && s.name === name)), 20_000));
    const chain = STAGES.map(([svc, name]) => {
      const found = spans.filter((s) => s.service === svc && s.name === name);
      expect(found, `${svc} ${name}`).toHaveLength(1);
      return found[0]!;
    });
    const [submit, policy, sender, receipt, deliver] = chain;
    expect(new Set(chain.map((s) => s.traceId)).size).toBe(1);
    expect(submit!.parentSpanId).toBe('');
    chain.slice(1).forEach((s, i) => expect(s.parentSpanId, s.name).toBe(chain[i]!.spanId));
    expect(submit!.attributes).toMatchObject({ 'smsgw.client': 'acme', 'smpp.command_status': 0 });
    expect(policy!.attributes).toMatchObject({ 'smsgw.pool': 'sim', 'smsgw.outcome': 'routed' });
    expect(sender!.attributes).toMatchObject({ 'smsgw.smsc': 'sim', 'smpp.command_status': 0, 'smsgw.outcome': 'sent' });
    expect(receipt!.attributes).toMatchObject({ 'smsgw.smsc': 'sim', 'smsgw.outcome': 'DELIVERED' });
    expect(deliver!.attributes).toMatchObject({ 'smsgw.client': 'acme', 'smpp.command_status': 0 });
    expect(chain.every((s) => s.statusCode !== 2)).toBe(true);
    // The `in` entry carries the ingress span as its traceparent.
    const [entry] = await inEntries(env, id);
    expect(entry?.tp).toBe(`00-${submit!.traceId}-${submit!.spanId}-01`);
  }, 90_000);
});

describe('traces: a message the head sampler leaves out costs nothing downstream (sampleRatio 0)', () => {
  const { env, rx } = tracedStack('e2e-traces-unsampled', 0);

  it('no span arrives, and neither the `in` entry nor the state record carries a trace context', async () => {
    const id = await sendWithReceipt(env, '447700900002');
    await reachesState(env, id, 'DELIVERED');
    // The apps flush every 100 ms: a span of this message would have arrived by the time a
    // second message's receipt came back.
    await sendWithReceipt(env, '447700900003');
    expect(rx().spans()).toEqual([]);
    const entries = await inEntries(env, id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).not.toHaveProperty('tp');
    const store = await openStateStore(env.stack.state, env.ns.redis, env.ns.prefix);
    try {
      expect(await store.get(id)).not.toHaveProperty('tp');
    } finally {
      await store.close();
    }
  }, 90_000);
});
