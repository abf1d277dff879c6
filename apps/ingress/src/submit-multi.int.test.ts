import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { clientSchema } from '@smsgw/platform';
import { clientBacklogKey } from '@smsgw/redis';
import { inEntrySchema, type InEntry } from '@smsgw/contracts';
import { connectTestClient, netSmppAvailable, redisNamespace, startNetSmppClient } from '@smsgw/testing';
import { STATUS, type MultiDestination, type PduInit } from '@smsgw/smpp';
import { startTestIngress } from './test-ingress';

const clients = [clientSchema.parse({ systemId: 'acme', password: 'acmepw', maxBinds: 5 })];
const session = { window: 10, sessionInitMs: 2_000, enquireLinkMs: 0, inactivityMs: 0, responseTimeoutMs: 2_000, receiptWindow: 10 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const GOOD = ['447700900001', '447700900002', '447700900003'];
const BAD = '44770abc';

/** A submit_multi (§4.5.1) to `dests` (international numbers, TON 1 NPI 1). */
const multi = (dests: string[], over: Partial<PduInit> = {}): PduInit => ({
  command: 'submit_multi',
  source_addr_ton: 5, source_addr_npi: 0, source_addr: 'ACME',
  dest_addresses: dests.map((d): MultiDestination => ({ dest_flag: 1, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: d })),
  registered_delivery: 1,
  short_message: Buffer.from('to all of you'),
  ...over,
});

describe('ingress: submit_multi from a client (SMPP v3.4 §4.5), real Redis', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup() {
    const ns = await redisNamespace('ingress-submit-multi');
    const ing = await startTestIngress({ redisUrl: ns.url, prefix: ns.prefix, clients, session });
    cleanups.push(ns.cleanup, ing.close);
    const inEntries = async (): Promise<InEntry[]> =>
      ((await ns.redis.xrange(ing.names.in, '-', '+')) as [string, string[]][]).map(([, f]) => inEntrySchema.parse(JSON.parse(f[1]!)));
    /** 3 good destinations and a bad one were queued as 3 messages under `cid`. */
    const expectThreeUnder = async (cid: string) => {
      const entries = await inEntries();
      expect(entries.map((e) => e.dst.norm)).toEqual(GOOD);
      expect(new Set(entries.map((e) => e.id)).size).toBe(3);
      for (const e of entries) {
        expect(e.id).toMatch(UUID);
        expect(e.id).not.toBe(cid);
        expect(e).toMatchObject({ cid, sys: 'acme', rd: 1, src: { ton: 5, addr: 'ACME' } });
        expect(Buffer.from(e.sm, 'base64').toString()).toBe('to all of you');
      }
      // Each destination is a message of its own in the client's backlog count.
      expect((await ns.redis.zrange(clientBacklogKey(ns.prefix, 'acme'), '0', '-1')).sort()).toEqual(entries.map((e) => e.id).sort());
    };
    return { ns, ing, inEntries, expectThreeUnder };
  }

  it('3 good + 1 bad destination: ROK with one message_id, the bad one in unsuccess_sme, 3 entries in `in`', async () => {
    const { ing, expectThreeUnder } = await setup();
    const c = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transmitter' });
    cleanups.push(() => c.close());
    const resp = await c.session.request(multi([GOOD[0]!, BAD, GOOD[1]!, GOOD[2]!]));
    expect(resp).toMatchObject({ command: 'submit_multi_resp', status: STATUS.ESME_ROK, no_unsuccess: 1 });
    expect(resp.message_id).toMatch(UUID);
    expect(resp.unsuccess_smes).toEqual([{ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: BAD, error_status_code: STATUS.ESME_RINVDSTADR }]);
    await expectThreeUnder(resp.message_id!);
  });

  it('refuses it on a receiver bind (§2.3), a bad schedule for all, and answers a list-only or all-bad one without queueing', async () => {
    const { ing, inEntries } = await setup();
    const rx = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'receiver' });
    const tx = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transmitter' });
    cleanups.push(() => rx.close(), () => tx.close());
    expect(await rx.session.request(multi(GOOD))).toMatchObject({ command: 'submit_multi_resp', status: STATUS.ESME_RINVBNDSTS });
    // Delivery scheduled after the validity ends (§4.4.1): a fault of the message, not of a destination.
    const late = { schedule_delivery_time: '000002000000000R', validity_period: '000001000000000R' };
    expect(await tx.session.request(multi(GOOD, late))).toMatchObject({ status: STATUS.ESME_RINVSCHED, message_id: '', no_unsuccess: 0 });
    const lists = await tx.session.request({ ...multi([]), dest_addresses: [{ dest_flag: 2, dl_name: 'staff' }] });
    expect(lists).toMatchObject({ status: STATUS.ESME_RINVDLNAME, message_id: '' });
    expect(lists.unsuccess_smes).toEqual([{ dest_addr_ton: 0, dest_addr_npi: 0, destination_addr: 'staff', error_status_code: STATUS.ESME_RINVDLNAME }]);
    expect(await tx.session.request(multi([BAD, '']))).toMatchObject({ status: STATUS.ESME_RINVDSTADR, no_unsuccess: 2 });
    expect(await inEntries()).toEqual([]);
  });

  it('interop: the npm `smpp` client gets the message_id and unsuccess_sme list', async () => {
    const { ing, expectThreeUnder } = await setup();
    const smpp = createRequire(import.meta.url)('smpp');
    const s = smpp.connect({ url: `smpp://127.0.0.1:${ing.port}` });
    cleanups.push(async () => s.destroy());
    type Resp = { command_status: number; message_id?: string; unsuccess_sme?: unknown[] };
    const call = (cmd: string, params: object) => new Promise<Resp>((r) => s[cmd](params, r));
    expect((await call('bind_transceiver', { system_id: 'acme', password: 'acmepw' })).command_status).toBe(STATUS.ESME_ROK);
    const resp = await call('submit_multi', {
      source_addr_ton: 5, source_addr: 'ACME', registered_delivery: 1, short_message: 'to all of you',
      dest_address: [GOOD[0], GOOD[1], BAD, GOOD[2]].map((d) => ({ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: d })),
    });
    expect(resp.command_status).toBe(STATUS.ESME_ROK);
    expect(resp.message_id).toMatch(UUID);
    expect(resp.unsuccess_sme).toEqual([{ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: BAD, error_status_code: STATUS.ESME_RINVDSTADR }]);
    await expectThreeUnder(resp.message_id!);
  });

  it.skipIf(!netSmppAvailable())('interop: Net::SMPP gets the message_id and unsuccess_sme list (skipped without perl and libnet-smpp-perl)', async () => {
    const { ing, expectThreeUnder } = await setup();
    const c = await startNetSmppClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transmitter' });
    cleanups.push(() => c.close());
    const resp = await c.submitMulti({
      source_addr_ton: 5, source_addr: 'ACME', registered_delivery: 1, short_message: Buffer.from('to all of you'),
      dest_addr_ton: [1, 1, 1, 1], dest_addr_npi: [1, 1, 1, 1], destination_addr: [GOOD[0]!, GOOD[1]!, GOOD[2]!, BAD],
    });
    expect(resp).toMatchObject({ command: 'submit_multi_resp', command_status: STATUS.ESME_ROK });
    expect(resp.message_id).toMatch(UUID);
    expect(resp.unsuccess_sme).toEqual([{ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: BAD, error_status_code: STATUS.ESME_RINVDSTADR }]);
    await expectThreeUnder(resp.message_id!);
  });
});
