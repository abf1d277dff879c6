import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { streamNames, type OutEntry } from '@smsgw/contracts';
import { normaliseAddress, type AddressOptions } from '@smsgw/domain';
import { createAppMetrics, createMetricsRegistry, smscSchema } from '@smsgw/platform';
import type { StreamEntry } from '@smsgw/redis';
import { createRedisStateStore } from '@smsgw/store';
import { redisNamespace, startSmscSim } from '@smsgw/testing';
import { encodeGsm7 } from '@smsgw/sms-text';
import { createMessageSender } from './message-sender';
import { createSmscLink } from './smsc-link';

const logger = pino({ level: 'silent' });

/** An address as ingress puts it in the entry: as sent, and normalised with the client options. */
function address(ton: number, npi: number, addr: string, role: 'source' | 'destination', opts: AddressOptions) {
  const r = normaliseAddress(ton, addr, role, opts);
  if (!r.ok) throw new Error(r.reason);
  return { ton, npi, addr, norm: r.norm };
}

/** A UK client (defaultCountryCode 44) sending in national form: a numeric sender with the trunk prefix, a TON 2 destination. */
function outEntry(id: string, over: Partial<OutEntry> = {}): OutEntry {
  const uk = { defaultCountryCode: '44' };
  return {
    v: 1, id, sys: 'acme',
    src: address(0, 1, '01632 960001', 'source', uk),
    dst: address(2, 1, '07700 900123', 'destination', uk),
    dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: encodeGsm7('hello')!.toString('base64'), at: Date.now(),
    pool: 'sim', smscs: ['sim'], rt: Date.now(), ...over,
  };
}

const entry = (data: OutEntry): StreamEntry => ({ id: `${Date.now()}-${Math.random()}`, data, deliveries: 1, size: 0 });

describe('sender: addresses as each SMSC wants them (smscs[].addressFormat; real Redis, SMSC simulator over TCP)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(smscAddressing: Record<string, unknown>) {
    const ns = await redisNamespace('sender-address-format');
    const sim = await startSmscSim({ port: 0, receipts: false });
    const smsc = smscSchema.parse({
      id: 'sim', host: '127.0.0.1', port: sim.port, systemId: 'gw', password: 'gw', ...smscAddressing,
      enquireLinkMs: 0, responseTimeoutMs: 2_000, reconnectMinMs: 50, reconnectMaxMs: 500,
    });
    const link = createSmscLink({ smsc, logger, onDeliver: async () => 0 });
    link.start();
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const handler = createMessageSender({
      redis: ns.redis, store, names: streamNames(ns.prefix), prefix: ns.prefix, links: new Map([['sim', link]]), limiters: new Map(),
      metrics: createAppMetrics(createMetricsRegistry('sender-address-format')), logger,
    });
    cleanups.push(ns.cleanup, () => sim.close(), () => link.stop());
    expect(await link.waitBound(5_000)).toBe(true);
    const send = async (m: OutEntry) => {
      await store.createMessage({ id: m.id, sys: m.sys, src: m.src.norm, dst: m.dst.norm, rd: 1, state: 'ROUTED', at: Date.now() });
      expect(await handler([entry(m)])).toMatchObject({ ack: [expect.any(String)] });
      const [got, ...more] = sim.submits.splice(0);
      expect(more).toHaveLength(0);
      return { source: got!.source, destination: got!.destination, ton: got!.ton, npi: got!.npi };
    };
    return { send };
  }

  it('as-received (default): the SMSC gets what the client sent', async () => {
    const { send } = await setup({});
    expect(await send(outEntry('a1'))).toEqual({ source: '01632 960001', destination: '07700 900123', ton: { source: 0, destination: 2 }, npi: { source: 1, destination: 1 } });
  });

  it('international: the E.164 numbers the policy checked, TON 1 NPI 1', async () => {
    const { send } = await setup({ addressFormat: 'international' });
    expect(await send(outEntry('i1'))).toEqual({ source: '441632960001', destination: '447700900123', ton: { source: 1, destination: 1 }, npi: { source: 1, destination: 1 } });
    // An alphanumeric sender is not touched.
    const alpha = await send(outEntry('i2', { src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' } }));
    expect(alpha).toMatchObject({ source: 'ACME', ton: { source: 5 }, npi: { source: 0 } });
  });

  it('national: numbers of the SMSC country with the trunk prefix (TON 2), a foreign one international', async () => {
    const { send } = await setup({ addressFormat: 'national', countryCode: '44' });
    expect(await send(outEntry('n1'))).toEqual({ source: '01632960001', destination: '07700900123', ton: { source: 2, destination: 2 }, npi: { source: 1, destination: 1 } });
    const fr = await send(outEntry('n2', { dst: address(1, 1, '+33 6 12 34 56 78', 'destination', {}), sm: encodeGsm7('bonjour')!.toString('base64') }));
    expect(fr).toMatchObject({ destination: '33612345678', ton: { destination: 1 }, npi: { destination: 1 } });
  });
});
