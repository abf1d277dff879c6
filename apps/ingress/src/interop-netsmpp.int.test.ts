import { afterEach, describe, expect, it } from 'vitest';
import { clientSchema } from '@smsgw/platform';
import { createClientBacklog, xaddEntry, type Redis } from '@smsgw/redis';
import { inEntrySchema, type ClientReceipt } from '@smsgw/contracts';
import { netSmppAvailable, netSmppShortMessage, netSmppTlv, redisNamespace, startNetSmppClient, type NetSmppClientOptions } from '@smsgw/testing';
import { STATUS, TLV } from '@smsgw/smpp';
import { encodeGsm7, encodeUcs2, parseReceiptText } from '@smsgw/sms-text';
import { startTestIngress } from './test-ingress';

// The ingress spoken to by a second, independent SMPP implementation: Net::SMPP (Perl). Our
// own test client shares the codec with the server, so a field both sides get wrong the same
// way would pass there; here the bytes are built and parsed by someone else's code.
const clients = [clientSchema.parse({ systemId: 'acme', password: 'acmepw', maxBinds: 5 })];
const session = { window: 10, sessionInitMs: 2_000, enquireLinkMs: 0, inactivityMs: 0, responseTimeoutMs: 2_000, receiptWindow: 10 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const dest = { source_addr: 'ACME', source_addr_ton: 5, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900123' };

describe.skipIf(!netSmppAvailable())('ingress with the Net::SMPP client (skipped when perl or libnet-smpp-perl is absent)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(client: Partial<NetSmppClientOptions> = {}) {
    const ns = await redisNamespace('ingress-netsmpp');
    const ing = await startTestIngress({ redisUrl: ns.url, prefix: ns.prefix, clients, session });
    cleanups.push(ns.cleanup, ing.close);
    const c = await startNetSmppClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transceiver', ...client });
    cleanups.push(() => c.close());
    const entries = async () =>
      ((await ns.redis.xrange(ing.names.in, '-', '+')) as [string, string[]][]).map(([, f]) => inEntrySchema.parse(JSON.parse(f[1]!)));
    return { ns, ing, c, entries };
  }

  it('binds as transceiver; a second bind on the session is ESME_RALYBND (§4.1)', async () => {
    const { c } = await setup();
    expect(c.bindResp).toMatchObject({ command: 'bind_transceiver_resp', command_status: STATUS.ESME_ROK, system_id: 'smsgw' });
    expect((await c.bind('transmitter')).command_status).toBe(STATUS.ESME_RALYBND);
  });

  it('refuses a wrong password with ESME_RBINDFAIL and closes the connection', async () => {
    const { c } = await setup({ password: 'wrong' });
    expect(c.bindResp).toMatchObject({ command: 'bind_transceiver_resp', command_status: STATUS.ESME_RBINDFAIL });
    expect(await c.readPdus(3_000)).toEqual([expect.objectContaining({ command: 'closed' })]);
  });

  it('refuses submit_sm before bind and on a receiver bind with ESME_RINVBNDSTS (§2.3)', async () => {
    const { c, entries } = await setup({ bind: false });
    expect((await c.submitSm({ ...dest, short_message: Buffer.from('x') })).command_status).toBe(STATUS.ESME_RINVBNDSTS);
    expect((await c.bind('receiver')).command_status).toBe(STATUS.ESME_ROK);
    expect((await c.submitSm({ ...dest, short_message: Buffer.from('x') })).command_status).toBe(STATUS.ESME_RINVBNDSTS);
    expect(await entries()).toEqual([]);
  });

  it('accepts GSM text with a UUID and writes the entry to the in stream', async () => {
    const { c, entries } = await setup();
    const sm = encodeGsm7('Hello {perl} €5')!;
    const resp = await c.submitSm({ ...dest, registered_delivery: 1, short_message: sm });
    expect(resp).toMatchObject({ command: 'submit_sm_resp', command_status: STATUS.ESME_ROK });
    expect(resp.message_id).toMatch(UUID);
    const [e, ...more] = await entries();
    expect(more).toEqual([]);
    expect(e).toMatchObject({ id: resp.message_id, sys: 'acme', dc: 0, esm: 0, rd: 1 });
    expect(e!.src).toMatchObject({ ton: 5, addr: 'ACME' });
    expect(e!.dst).toMatchObject({ ton: 1, npi: 1, addr: '447700900123', norm: '447700900123' });
    expect(Buffer.from(e!.sm, 'base64')).toEqual(sm);
  });

  it('accepts UCS-2 text (data_coding 0x08) and keeps its octets', async () => {
    const { c, entries } = await setup();
    const sm = encodeUcs2('Привет 😀');
    const resp = await c.submitSm({ ...dest, data_coding: 8, short_message: sm });
    expect(resp.command_status).toBe(STATUS.ESME_ROK);
    const [e] = await entries();
    expect(e).toMatchObject({ id: resp.message_id, dc: 8 });
    expect(Buffer.from(e!.sm, 'base64')).toEqual(sm);
  });

  it('refuses an empty destination with ESME_RINVDSTADR and queues nothing', async () => {
    const { c, entries } = await setup();
    const resp = await c.submitSm({ ...dest, destination_addr: '', short_message: Buffer.from('x') });
    expect(resp).toMatchObject({ command: 'submit_sm_resp', command_status: STATUS.ESME_RINVDSTADR });
    expect(await entries()).toEqual([]);
  });

  it('answers query_sm: ESME_RQUERYFAIL for an unknown id, ENROUTE right after the ESME_ROK, the state of a known one (§4.8.2)', async () => {
    const { c, ing } = await setup();
    const q = (message_id: string) => c.querySm({ message_id, source_addr_ton: 5, source_addr: 'ACME' });
    expect((await q('00000000-0000-4000-8000-000000000000')).command_status).toBe(STATUS.ESME_RQUERYFAIL);
    const { message_id: id } = await c.submitSm({ ...dest, short_message: Buffer.from('q') });
    // Right after ESME_ROK, before any policy-worker made its record: ENROUTE (§5.2.28), not a failure.
    expect(await q(id!)).toMatchObject({ command: 'query_sm_resp', command_status: 0, message_id: id, final_date: '', message_state: 1, error_code: 0 });
    const t0 = Date.UTC(2026, 10, 26, 13, 14, 15);
    await ing.store.createMessage({ id: id!, sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: t0 });
    await ing.store.transition(id!, 'DELIVERED', { at: t0 + 5_000 });
    expect(await q(id!)).toMatchObject({ command: 'query_sm_resp', command_status: 0, message_id: id, final_date: '261126131420000+', message_state: 2, error_code: 0 });
  });

  it('accepts data_sm with message_payload like a submit_sm: UUID in data_sm_resp, entry in the in stream (§4.7)', async () => {
    const { c, entries } = await setup();
    const payload = encodeGsm7('data_sm via message_payload')!;
    const resp = await c.dataSm({ ...dest, registered_delivery: 1, tlvs: [{ tag: TLV.message_payload, value: payload }] });
    expect(resp).toMatchObject({ command: 'data_sm_resp', command_status: STATUS.ESME_ROK });
    expect(resp.message_id).toMatch(UUID);
    const [e] = await entries();
    expect(e).toMatchObject({ id: resp.message_id, sys: 'acme', dc: 0, rd: 1 });
    expect(Buffer.from(e!.sm, 'base64')).toEqual(payload);
  });

  it('answers enquire_link', async () => {
    const { c } = await setup();
    expect(await c.enquireLink()).toMatchObject({ command: 'enquire_link_resp', command_status: STATUS.ESME_ROK });
  });

  it('forwards a receipt as deliver_sm (esm_class 0x04, receipted_message_id = UUID) and takes its ack', async () => {
    const { ns, ing, c } = await setup();
    const { message_id: id } = await c.submitSm({ ...dest, registered_delivery: 1, short_message: Buffer.from('r') });
    const receipt: ClientReceipt = {
      v: 1, id: id!, src: { ton: 5, npi: 0, addr: 'ACME' }, dst: { ton: 1, npi: 1, addr: '447700900123' },
      state: 'DELIVERED', stat: 'DELIVRD', err: '000', sub: 1, dlvrd: 1, sd: Date.now() - 1_000, dd: Date.now(), at: Date.now(),
    };
    await xaddEntry(ns.redis, ing.names.dlr('acme'), receipt);
    const [d, ...more] = await c.readPdus(5_000);
    expect(more).toEqual([]);
    // §4.6.1: the receipt goes from the original destination back to the original source.
    expect(d).toMatchObject({ command: 'deliver_sm', esm_class: 0x04, source_addr: '447700900123', destination_addr: 'ACME' });
    expect(netSmppTlv(d!, TLV.receipted_message_id)?.toString('latin1')).toBe(`${id}\0`);
    expect(netSmppTlv(d!, TLV.message_state)).toEqual(Buffer.from([2]));
    expect(parseReceiptText(netSmppShortMessage(d!).toString('latin1'))).toMatchObject({ id, stat: 'DELIVRD', err: '000' });
    // Net::SMPP answered with deliver_sm_resp ROK: the ingress acks the stream entry.
    const pending = async () => ((await ns.redis.xpending(ing.names.dlr('acme'), 'ingress')) as [number])[0];
    await expect.poll(pending, { timeout: 3_000 }).toBe(0);
  });

  it('unbinds with unbind_resp ROK (§4.2)', async () => {
    const { c } = await setup();
    expect(await c.unbind()).toMatchObject({ command: 'unbind_resp', command_status: STATUS.ESME_ROK });
  });

  it('accepts submit_multi (§4.5): one message_id, a bad destination in unsuccess_sme; a destination\'s receipt carries that id from that destination', async () => {
    const { ns, ing, c, entries } = await setup();
    const resp = await c.submitMulti({
      source_addr_ton: 5, source_addr: 'ACME', registered_delivery: 1, short_message: Buffer.from('m'),
      dest_addr_ton: [1, 1, 1], dest_addr_npi: [1, 1, 1], destination_addr: ['447700900123', '4477x', '447700900124'],
    });
    expect(resp).toMatchObject({ command: 'submit_multi_resp', command_status: STATUS.ESME_ROK });
    expect(resp.message_id).toMatch(UUID);
    expect(resp.unsuccess_sme).toEqual([{ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '4477x', error_status_code: STATUS.ESME_RINVDSTADR }]);
    const queued = await entries();
    expect(queued.map((e) => [e.dst.addr, e.cid])).toEqual([['447700900123', resp.message_id], ['447700900124', resp.message_id]]);
    // What the dlr-worker writes for the second destination: its own message, the client's id as cid.
    const second = queued[1]!;
    const receipt: ClientReceipt = {
      v: 1, id: second.id, cid: resp.message_id, src: { ton: 5, npi: 0, addr: 'ACME' }, dst: { ton: 1, npi: 1, addr: '447700900124' },
      state: 'DELIVERED', stat: 'DELIVRD', err: '000', sub: 1, dlvrd: 1, sd: Date.now() - 1_000, dd: Date.now(), at: Date.now(),
    };
    await xaddEntry(ns.redis, ing.names.dlr('acme'), receipt);
    const [d] = await c.readPdus(5_000);
    expect(d).toMatchObject({ command: 'deliver_sm', esm_class: 0x04, source_addr: '447700900124', destination_addr: 'ACME' });
    expect(netSmppTlv(d!, TLV.receipted_message_id)?.toString('latin1')).toBe(`${resp.message_id}\0`);
    expect(parseReceiptText(netSmppShortMessage(d!).toString('latin1'))).toMatchObject({ id: resp.message_id, stat: 'DELIVRD' });
  });

  it('cancel_sm (§4.9) of a queued message: ESME_ROK, query_sm DELETED; a second cancel and an unknown id ESME_RCANCELFAIL', async () => {
    const { c, entries } = await setup();
    const { message_id: id } = await c.submitSm({ ...dest, short_message: Buffer.from('x') });
    expect(await c.cancelSm({ message_id: id, ...dest })).toMatchObject({ command: 'cancel_sm_resp', command_status: STATUS.ESME_ROK });
    expect(await c.querySm({ message_id: id!, source_addr_ton: 5, source_addr: 'ACME' })).toMatchObject({ command: 'query_sm_resp', command_status: 0, message_id: id, message_state: 4 });
    expect((await c.cancelSm({ message_id: id, ...dest })).command_status).toBe(STATUS.ESME_RCANCELFAIL);
    expect((await c.cancelSm({ message_id: '00000000-0000-4000-8000-000000000000', ...dest })).command_status).toBe(STATUS.ESME_RCANCELFAIL);
    // The entry stays in `in`: the policy-worker ends it there (it never reaches an SMSC).
    expect((await entries()).map((e) => e.id)).toEqual([id]);
  });

  // replace_sm (§4.10) and replace_if_present_flag (§5.2.18) of a message still in `in`: the
  // replacement waits in the client's hash for the stage that meets the message (no
  // policy-worker runs here), and the `in` entry itself stays as submitted.
  const replacementOf = async (ns: { redis: Redis; prefix: string }, id: string) => (await createClientBacklog(ns.redis, ns.prefix).replacementsOf('acme', [id])).get(id);
  const source = { source_addr_ton: 5, source_addr: 'ACME' };

  it('replace_sm of a queued message: ESME_ROK, its replacement holds the new text and registered_delivery; a second one is version 2', async () => {
    const { ns, c, entries } = await setup();
    const { message_id: id } = await c.submitSm({ ...dest, registered_delivery: 1, short_message: Buffer.from('old') });
    const sm = encodeGsm7('new {text}')!;
    expect(await c.replaceSm({ message_id: id!, ...source, registered_delivery: 0, short_message: sm })).toMatchObject({ command: 'replace_sm_resp', command_status: STATUS.ESME_ROK });
    // NULL schedule and validity keep the message's own: only the text and registered_delivery change.
    expect(await replacementOf(ns, id!)).toEqual({ v: 1, set: { sm: sm.toString('base64'), rd: 0 } });
    expect((await c.replaceSm({ message_id: id!, ...source, registered_delivery: 1, short_message: Buffer.from('newest'), schedule_delivery_time: '000000000010000R' })).command_status).toBe(STATUS.ESME_ROK);
    const second = await replacementOf(ns, id!);
    expect(second).toMatchObject({ v: 2, set: { sm: Buffer.from('newest').toString('base64'), rd: 1 } });
    expect(second!.set.due).toBeGreaterThan(Date.now());
    expect((await entries()).map((e) => [e.id, Buffer.from(e.sm, 'base64').toString()])).toEqual([[id, 'old']]);
    expect((await c.querySm({ message_id: id!, ...source })).message_state).toBe(1);
  });

  it('refuses replace_sm: unknown or cancelled message 0x13, empty id 0x0c, bad schedule 0x61, bad validity 0x62, sm_default_msg_id 0x63, reserved registered_delivery 0x07', async () => {
    const { ns, c } = await setup();
    const { message_id: id } = await c.submitSm({ ...dest, short_message: Buffer.from('x') });
    const replace = async (f: Record<string, unknown>) => (await c.replaceSm({ message_id: id!, ...source, short_message: Buffer.from('y'), ...f })).command_status;
    expect(await replace({ message_id: '00000000-0000-4000-8000-000000000000' })).toBe(STATUS.ESME_RREPLACEFAIL);
    expect(await replace({ message_id: '' })).toBe(STATUS.ESME_RINVMSGID);
    expect(await replace({ schedule_delivery_time: '261301000000000+' })).toBe(STATUS.ESME_RINVSCHED); // month 13
    expect(await replace({ validity_period: '000000000000000R' })).toBe(STATUS.ESME_RINVEXPIRY); // over already
    expect(await replace({ sm_default_msg_id: 1 })).toBe(STATUS.ESME_RINVDFTMSGID);
    expect(await replace({ registered_delivery: 0x03 })).toBe(STATUS.ESME_RINVREGDLVFLG);
    expect(await replacementOf(ns, id!)).toBeUndefined();
    expect((await c.cancelSm({ message_id: id, ...dest })).command_status).toBe(STATUS.ESME_ROK);
    expect(await replace({})).toBe(STATUS.ESME_RREPLACEFAIL);
    expect(await replacementOf(ns, id!)).toBeUndefined();
  });

  it('replace_if_present_flag 1: the queued message with the same addresses and service_type becomes the new one and its id is the answer; otherwise a new message', async () => {
    const { ns, c, entries } = await setup();
    const { message_id: first } = await c.submitSm({ ...dest, service_type: 'CMT', short_message: Buffer.from('first') });
    const again = await c.submitSm({ ...dest, service_type: 'CMT', replace_if_present_flag: 1, data_coding: 8, short_message: encodeUcs2('second') });
    expect(again).toMatchObject({ command: 'submit_sm_resp', command_status: STATUS.ESME_ROK, message_id: first });
    expect(await replacementOf(ns, first!)).toMatchObject({ v: 1, set: { sm: encodeUcs2('second').toString('base64'), dc: 8 } });
    // Another service_type, another destination: nothing like it is queued.
    const otherSvc = await c.submitSm({ ...dest, service_type: 'WAP', replace_if_present_flag: 1, short_message: Buffer.from('w') });
    const otherDst = await c.submitSm({ ...dest, service_type: 'CMT', destination_addr: '447700900124', replace_if_present_flag: 1, short_message: Buffer.from('d') });
    expect(new Set([first, otherSvc.message_id, otherDst.message_id]).size).toBe(3);
    expect((await entries()).map((e) => e.id)).toEqual([first, otherSvc.message_id, otherDst.message_id]);
  });

  it('mass cancel_sm (§4.9.1, no message_id): every queued message from the source to the destination, of the service_type when given', async () => {
    const { c } = await setup();
    const ids = [];
    for (const d of ['447700900123', '447700900123', '447700900124']) ids.push((await c.submitSm({ ...dest, destination_addr: d, short_message: Buffer.from(d) })).message_id!);
    const state = async (id: string) => (await c.querySm({ message_id: id, ...source })).message_state;
    expect((await c.cancelSm({ message_id: '', service_type: 'WAP', ...dest })).command_status).toBe(STATUS.ESME_RCANCELFAIL);
    expect(await Promise.all(ids.map(state))).toEqual([1, 1, 1]);
    expect(await c.cancelSm({ message_id: '', ...dest })).toMatchObject({ command: 'cancel_sm_resp', command_status: STATUS.ESME_ROK });
    expect(await Promise.all(ids.map(state))).toEqual([4, 4, 1]);
    // Nothing left to cancel there.
    expect((await c.cancelSm({ message_id: '', ...dest })).command_status).toBe(STATUS.ESME_RCANCELFAIL);
  });

  it('cancel_sm with a submit_multi\'s message_id cancels every destination: ESME_ROK, query_sm DELETED; a second cancel ESME_RCANCELFAIL', async () => {
    const { c, entries } = await setup();
    const resp = await c.submitMulti({
      ...source, short_message: Buffer.from('m'),
      dest_addr_ton: [1, 1, 1], dest_addr_npi: [1, 1, 1], destination_addr: ['447700900123', '447700900124', '447700900125'],
    });
    const cid = resp.message_id!;
    expect(await c.cancelSm({ message_id: cid, ...source })).toMatchObject({ command: 'cancel_sm_resp', command_status: STATUS.ESME_ROK });
    expect(await c.querySm({ message_id: cid, ...source })).toMatchObject({ command: 'query_sm_resp', command_status: 0, message_id: cid, message_state: 4 });
    const each = (await entries()).filter((e) => e.cid === cid).map((e) => e.id);
    expect(each).toHaveLength(3);
    for (const id of each) expect((await c.querySm({ message_id: id, ...source })).message_state).toBe(4);
    expect((await c.cancelSm({ message_id: cid, ...source })).command_status).toBe(STATUS.ESME_RCANCELFAIL);
  });

  it('cancel_sm of a submit_multi one of whose destinations was cancelled on its own: the others are cancelled and the answer is ESME_ROK', async () => {
    const { c, entries } = await setup();
    const resp = await c.submitMulti({
      ...source, short_message: Buffer.from('m'),
      dest_addr_ton: [1, 1], dest_addr_npi: [1, 1], destination_addr: ['447700900123', '447700900124'],
    });
    const cid = resp.message_id!;
    const [one, two] = (await entries()).filter((e) => e.cid === cid).map((e) => e.id);
    expect((await c.cancelSm({ message_id: one, ...source })).command_status).toBe(STATUS.ESME_ROK);
    // The one cancelled already has ended (DELETED): only the other is still open.
    expect((await c.cancelSm({ message_id: cid, ...source })).command_status).toBe(STATUS.ESME_ROK);
    expect((await c.querySm({ message_id: two!, ...source })).message_state).toBe(4);
  });
});
