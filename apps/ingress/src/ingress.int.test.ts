import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { clientSchema, createAppMetrics, createMetricsRegistry } from '@smsgw/platform';
import { createRedis, xaddEntry } from '@smsgw/redis';
import { streamNames, inEntrySchema, type ClientReceipt } from '@smsgw/contracts';
import { connectTestClient, redisNamespace } from '@smsgw/testing';
import { decodePdu, encodePdu, encodeGsm7, getTlv, parseReceiptText, STATUS, TLV, type Pdu } from '@smsgw/smpp';
import { createIngressServer } from './ingress-server';
import { createSubmitHandler } from './submit-handler';
import { createReceiptDispatcher } from './receipt-dispatcher';
import { createQueryHandler } from './query-handler';
import { createRedisStateStore } from '@smsgw/store';

const logger = pino({ level: 'silent' });
// Through the schema: options this test does not name take their defaults.
const clients = [clientSchema.parse({ systemId: 'acme', password: 'acmepw', maxBinds: 5 })];
const session = { window: 10, sessionInitMs: 2_000, enquireLinkMs: 0, inactivityMs: 0, responseTimeoutMs: 2_000, receiptWindow: 10 };

async function startIngress(redisUrl: string, prefix: string) {
  const metrics = createAppMetrics(createMetricsRegistry('ingress-test'));
  const redis = createRedis(redisUrl, { commandTimeoutMs: 1_000 });
  const names = streamNames(prefix);
  const receipts = createReceiptDispatcher({ redis, redisUrl, names, instance: 'test', metrics, logger, batchSize: 10, claimIdleMs: 1_000 });
  const store = createRedisStateStore({ redis, prefix });
  const server = createIngressServer({
    host: '127.0.0.1', port: 0, clients, session,
    submit: createSubmitHandler({ enqueue: (e) => xaddEntry(redis, names.in, e), backlogFull: () => false }),
    query: createQueryHandler(store),
    receipts, metrics, logger,
  });
  const port = await server.start();
  return {
    port, redis, names, store,
    close: async () => {
      await server.close();
      await receipts.close();
      redis.disconnect();
    },
  };
}

/** A raw TCP peer: write bytes, read whole PDUs back. */
async function rawPeer(port: number) {
  const sock: Socket = connect(port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  let buf = Buffer.alloc(0);
  const pdus: Pdu[] = [];
  let closed = false;
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4 && buf.length >= buf.readUInt32BE(0)) {
      const len = buf.readUInt32BE(0);
      pdus.push(decodePdu(buf.subarray(0, len)));
      buf = buf.subarray(len);
    }
  });
  sock.on('close', () => (closed = true));
  const next = async (n: number) => {
    const end = Date.now() + 3_000;
    while (pdus.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    return pdus[n - 1];
  };
  return { sock, pdus, next, get closed() { return closed; } };
}

const submit = (seq: number, text = 'hi'): Buffer =>
  encodePdu({ command: 'submit_sm', seq, source_addr: 'ACME', source_addr_ton: 5, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900123', short_message: encodeGsm7(text)! });
const bind = (seq: number, password = 'acmepw'): Buffer =>
  encodePdu({ command: 'bind_transceiver', seq, system_id: 'acme', password, system_type: '', interface_version: 0x34 });

describe('ingress SMPP server', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  async function setup() {
    const ns = await redisNamespace('ingress');
    const ing = await startIngress(ns.url, ns.prefix);
    cleanups.push(ns.cleanup, ing.close);
    return { ns, ing };
  }

  it('acks a submit only with a UUID after the entry is in the in stream', async () => {
    const { ns, ing } = await setup();
    const c = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transceiver' });
    cleanups.push(() => c.close());
    const resp = await c.submit({ source_addr: 'ACME', source_addr_ton: 5, dest_addr_ton: 1, destination_addr: '+44 7700 900123', short_message: encodeGsm7('hello')!, registered_delivery: 1 });
    expect(resp.status).toBe(STATUS.ESME_ROK);
    const entries = (await ns.redis.xrange(ing.names.in, '-', '+')) as [string, string[]][];
    expect(entries).toHaveLength(1);
    const entry = inEntrySchema.parse(JSON.parse(entries[0][1][1]));
    expect(entry.id).toBe(resp.message_id);
    expect(entry.dst).toEqual({ ton: 1, npi: 0, addr: '+44 7700 900123', norm: '447700900123' });
    expect(entry.src.norm).toBe('ACME');
    expect(Buffer.from(entry.sm, 'base64').toString('latin1')).toBe('hello');
  });

  it('answers a bad password and an unknown user with the same ESME_RBINDFAIL', async () => {
    const { ing } = await setup();
    const p = await rawPeer(ing.port);
    cleanups.push(async () => void p.sock.destroy());
    p.sock.write(bind(1, 'wrong'));
    p.sock.write(encodePdu({ command: 'bind_transceiver', seq: 2, system_id: 'ghost', password: 'acmepw', system_type: '', interface_version: 0x34 }));
    expect((await p.next(1)).status).toBe(STATUS.ESME_RBINDFAIL);
    expect((await p.next(2)).status).toBe(STATUS.ESME_RBINDFAIL);
    p.sock.write(bind(3));
    expect(await p.next(3)).toMatchObject({ command: 'bind_transceiver_resp', status: 0, seq: 3 });
    p.sock.write(bind(4));
    expect(await p.next(4)).toMatchObject({ status: STATUS.ESME_RALYBND, seq: 4 });
  });

  it('refuses submit_sm before bind with ESME_RINVBNDSTS', async () => {
    const { ing } = await setup();
    const p = await rawPeer(ing.port);
    cleanups.push(async () => void p.sock.destroy());
    p.sock.write(submit(7));
    expect(await p.next(1)).toMatchObject({ command: 'submit_sm_resp', status: STATUS.ESME_RINVBNDSTS, seq: 7 });
  });

  it('answers an unknown command with generic_nack and keeps the session', async () => {
    const { ing } = await setup();
    const p = await rawPeer(ing.port);
    cleanups.push(async () => void p.sock.destroy());
    p.sock.write(bind(1));
    await p.next(1);
    const unknown = Buffer.alloc(16);
    unknown.writeUInt32BE(16, 0);
    unknown.writeUInt32BE(0x000000ff, 4); // no such command_id
    unknown.writeUInt32BE(0, 8);
    unknown.writeUInt32BE(42, 12);
    p.sock.write(unknown);
    expect(await p.next(2)).toMatchObject({ command: 'generic_nack', status: STATUS.ESME_RINVCMDID, seq: 42 });
    p.sock.write(submit(43));
    expect(await p.next(3)).toMatchObject({ command: 'submit_sm_resp', status: 0, seq: 43 });
  });

  it('answers a malformed submit_sm with its own error and handles the next good PDU', async () => {
    const { ing } = await setup();
    const p = await rawPeer(ing.port);
    cleanups.push(async () => void p.sock.destroy());
    p.sock.write(bind(1));
    await p.next(1);
    const good = submit(50);
    // Same PDU with sm_length claiming more octets than the body holds.
    const bad = Buffer.from(submit(49));
    const smLengthAt = bad.length - 1 - 'hi'.length;
    bad[smLengthAt] = 200;
    p.sock.write(Buffer.concat([bad, good]));
    const first = await p.next(2);
    expect(first).toMatchObject({ command: 'submit_sm_resp', seq: 49 });
    expect(first.status).not.toBe(0);
    expect(await p.next(3)).toMatchObject({ command: 'submit_sm_resp', status: 0, seq: 50 });
    expect(p.closed).toBe(false);
  });

  it('never acks when Redis is unreachable: ESME_RMSGQFUL', async () => {
    const ing = await startIngress('redis://127.0.0.1:1', 't:ingress-dead');
    cleanups.push(ing.close);
    const c = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transmitter' });
    cleanups.push(() => c.close());
    const resp = await c.submit({ source_addr: 'ACME', dest_addr_ton: 1, destination_addr: '447700900123', short_message: Buffer.from('x') });
    expect(resp.status).toBe(STATUS.ESME_RMSGQFUL);
  });

  it('refuses bad addresses and bad validity with their statuses', async () => {
    const { ing } = await setup();
    const c = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transmitter' });
    cleanups.push(() => c.close());
    const base = { source_addr: 'ACME', source_addr_ton: 5, dest_addr_ton: 1, destination_addr: '447700900123', short_message: Buffer.from('x') };
    expect((await c.submit({ ...base, destination_addr: '' })).status).toBe(STATUS.ESME_RINVDSTADR);
    expect((await c.submit({ ...base, validity_period: '261126120000000X' })).status).toBe(STATUS.ESME_RINVEXPIRY);
    expect((await c.submit({ ...base, data_coding: 8, short_message: Buffer.from([0, 65, 0]) })).status).toBe(STATUS.ESME_RINVMSGLEN);
    const huge = Buffer.alloc(255 * 134 + 1, 0x41);
    expect((await c.submit({ ...base, short_message: Buffer.alloc(0), tlvs: [{ tag: TLV.message_payload, value: huge }] })).status).toBe(STATUS.ESME_RINVMSGLEN);
  });

  it('keeps receipts of an unbound client until it binds, then delivers each once and acks it', async () => {
    const { ns, ing } = await setup();
    const receipt = (id: string): ClientReceipt => ({
      v: 1, id, src: { ton: 5, npi: 0, addr: 'ACME' }, dst: { ton: 1, npi: 1, addr: '447700900123' },
      state: 'DELIVERED', stat: 'DELIVRD', err: '000', sub: 1, dlvrd: 1, sd: Date.now() - 1000, dd: Date.now(), at: Date.now(),
    });
    for (const id of ['r-1', 'r-2', 'r-3']) await xaddEntry(ns.redis, ing.names.dlr('acme'), receipt(id));
    // A transmitter bind gets no receipts.
    const tx = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transmitter' });
    cleanups.push(() => tx.close());
    await new Promise((r) => setTimeout(r, 300));
    expect(tx.receipts).toHaveLength(0);
    const rx = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'receiver' });
    cleanups.push(() => rx.close());
    await rx.waitForReceipts(3, 5_000);
    const got = rx.receipts.map((p) => ({ text: parseReceiptText(p.short_message!.toString('latin1')), p }));
    expect(got.map((g) => g.text.id)).toEqual(['r-1', 'r-2', 'r-3']);
    for (const { text, p } of got) {
      expect(text.stat).toBe('DELIVRD');
      expect(p).toMatchObject({ esm_class: 0x04, source_addr: '447700900123', destination_addr: 'ACME' });
      expect(getTlv(p, TLV.receipted_message_id)?.toString('latin1')).toBe(`${text.id}\0`);
      expect(getTlv(p, TLV.message_state)?.[0]).toBe(2);
    }
    const pending = async () => ((await ns.redis.xpending(ing.names.dlr('acme'), 'ingress')) as [number])[0];
    for (let i = 0; i < 50 && (await pending()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await pending()).toBe(0);
    expect(rx.receipts).toHaveLength(3); // each once
  });

  it('answers query_sm from the state store, for the client\'s own messages only', async () => {
    const { ing } = await setup();
    const c = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transceiver' });
    cleanups.push(() => c.close());
    const resp = await c.submit({ source_addr: 'ACME', source_addr_ton: 5, dest_addr_ton: 1, destination_addr: '447700900123', short_message: Buffer.from('q') });
    const id = resp.message_id!;
    const query = (message_id: string) => c.session.request({ command: 'query_sm', message_id, source_addr_ton: 5, source_addr: 'ACME' });
    // Not yet through the policy-worker: no record yet.
    expect((await query(id)).status).toBe(STATUS.ESME_RQUERYFAIL);
    const t0 = Date.UTC(2026, 10, 26, 13, 14, 15);
    await ing.store.createMessage({ id, sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: t0 });
    expect(await query(id)).toMatchObject({ command: 'query_sm_resp', status: 0, message_id: id, final_date: '', message_state: 1, error_code: 0 });
    await ing.store.transition(id, 'DELIVERED', { at: t0 + 5_000 });
    expect(await query(id)).toMatchObject({ status: 0, final_date: '261126131420000+', message_state: 2 });
    // Another client's message answers as if it did not exist.
    await ing.store.createMessage({ id: 'other-1', sys: 'globex', src: 'G', dst: '447700900123', rd: 1, state: 'ROUTED', at: t0 });
    expect((await query('other-1')).status).toBe(STATUS.ESME_RQUERYFAIL);
    expect((await c.session.request({ command: 'cancel_sm', message_id: id, service_type: '', source_addr: 'ACME', destination_addr: '447700900123' })).status).toBe(STATUS.ESME_RCANCELFAIL);
  });

  it('delivers a routed MO message as a plain deliver_sm (esm_class 0), not as a receipt', async () => {
    const { ns, ing } = await setup();
    await xaddEntry(ns.redis, ing.names.dlr('acme'), {
      v: 1, k: 'mo', id: 'mo-1', src: { ton: 1, npi: 1, addr: '447700900123' }, dst: { ton: 0, npi: 0, addr: '12345' },
      dc: 0, sm: encodeGsm7('STOP')!.toString('base64'), at: Date.now(),
    });
    const rx = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transceiver' });
    cleanups.push(() => rx.close());
    const [mo] = await rx.waitForReceipts(1, 5_000);
    expect(mo).toMatchObject({ command: 'deliver_sm', esm_class: 0, data_coding: 0, source_addr: '447700900123', destination_addr: '12345' });
    expect(mo.short_message?.toString('latin1')).toBe('STOP');
  });
});
