import { describe, expect, it } from 'vitest';
import { normaliseSmscMsgId } from '@smsgw/domain';
import { loadConfig } from '@smsgw/platform';
import { createRedisStateStore } from '@smsgw/store';
import { redisNamespace } from '@smsgw/testing';
import { describeMessage, findBySmscId, streamStatus } from './lookup';

describe('admin lookups (real Redis)', () => {
  it('finds a message by UUID or by an SMSC id in either of the SMSC id formats, with its history', async () => {
    const ns = await redisNamespace('admin');
    try {
      const config = loadConfig({
        text: `redis: { prefix: "${ns.prefix}" }
smscs: [{ id: op1, host: h, port: 1, systemId: gw, password: pw, ids: { submit: dec, receipt: hex } }]
routes: [{ prefix: "", smscs: [op1] }]
clients: [{ systemId: acme, password: pw }]`,
      });
      const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
      await store.createMessage({ id: 'u1', sys: 'acme', src: 'ACME', dst: '4477', rd: 1, state: 'ROUTED', at: 1_000 });
      await store.recordSubmit('u1', { part: 0, parts: 1, smsc: 'op1', smscMsgId: normaliseSmscMsgId('255', 'dec'), at: 2_000 });
      await store.transition('u1', 'DELIVERED', { at: 3_000 });
      expect(await findBySmscId(store, config, 'op1', '255')).toEqual({ id: 'u1', part: 0, parts: 1 });
      expect(await findBySmscId(store, config, 'op1', '000000FF')).toEqual({ id: 'u1', part: 0, parts: 1 });
      expect(await findBySmscId(store, config, 'op1', '254')).toBeNull();
      const d = describeMessage((await store.get('u1'))!);
      expect(d.history.map((h) => h.state)).toEqual(['ROUTED', 'SUBMITTED', 'DELIVERED']);
      expect(d.parts).toEqual([{ part: 0, smscMsgId: 'ff', state: null }]);
      const streams = await streamStatus(ns.redis, config);
      expect(streams.map((s) => s.stream)).toContain(`${ns.prefix}:out:op1`);
    } finally {
      await ns.cleanup();
    }
  });
});
