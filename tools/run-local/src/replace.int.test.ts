import { describe, expect, it, onTestFinished } from 'vitest';
import { GROUPS, streamNames, type MessageState } from '@smsgw/contracts';
import { createDeferredQueue, createMultiIds } from '@smsgw/redis';
import { connectTestClient, startSmscSim } from '@smsgw/testing';
import { STATUS, type MultiDestination } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { reachesState, useStack } from './use-stack';

const IN_1_H = '000000010000000R';
const IN_1_S = '000000000001000R';
/** Long enough for a test to act on the message while it is held; then it goes without help. */
const IN_10_S = '000000000010000R';

// replace_sm (§4.10), replace_if_present_flag (§5.2.18), the mass cancel_sm (§4.9.1, no
// message_id) and cancel_sm of a submit_multi (§4.5) through the running gateway, for messages
// not yet handed to an SMSC: held by their schedule, or waiting for an SMSC that is down. What
// the SMSC simulator receives is the proof: the replaced text, once; a cancelled message never.
describe('replace_sm, replace_if_present_flag, mass cancel and cancel of a submit_multi', () => {
  const env = useStack('e2e-replace', {
    sim: { receiptDelayMs: 50 },
    stack: () => ({
      clients: [{ systemId: 'acme', password: 'pw' }],
      // Reconnect within a second of the SMSC coming back; release due messages every 200 ms.
      smscExtra: { reconnectMaxMs: 1_000 },
      extra: { policy: { deferPollMs: 200 } },
    }),
  });

  /** A client unbound when its test ends, passed or not: a session left bound would take the next test's receipts. */
  const bind = async () => {
    const c = await connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'pw', mode: 'transceiver' });
    onTestFinished(() => c.close());
    return c;
  };
  type Client = Awaited<ReturnType<typeof bind>>;
  const source = { source_addr_ton: 5, source_addr: 'ACME' };
  const address = (destination: string) => ({ ...source, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: destination });
  const submit = async (c: Client, destination: string, text: string, extra: Record<string, unknown> = {}) => {
    const r = await c.submit({ ...address(destination), registered_delivery: 1, short_message: encodeGsm7(text)!, ...extra });
    expect(r.status).toBe(STATUS.ESME_ROK);
    return r.message_id!;
  };
  const replace = async (c: Client, id: string, text: string, extra: Record<string, unknown> = {}) =>
    (await c.session.request({ command: 'replace_sm', message_id: id, ...source, registered_delivery: 1, short_message: encodeGsm7(text)!, ...extra })).status;
  const cancel = async (c: Client, fields: Record<string, unknown>) => (await c.session.request({ command: 'cancel_sm', service_type: '', message_id: '', ...fields })).status;
  const query = (c: Client, id: string) => c.session.request({ command: 'query_sm', message_id: id, ...source });
  const receiptsOf = (c: Client) => c.receipts.map((p) => ({ from: p.source_addr, ...parseReceiptText(p.short_message!.toString('latin1')) }));
  const sentTo = (destination: string) => env.sim.submits.filter((s) => s.destination === destination);
  /** Brings a held copy of the message forward to now (back to `in`); false when the policy holds none. */
  const releaseNow = (id: string) => createDeferredQueue(env.ns.redis, env.ns.prefix, streamNames(env.ns.prefix).in).wake(id);
  /** Releases the held copies of these messages and waits until they are all back in `in`. */
  const releaseAll = async (ids: readonly string[]) => {
    for (const id of ids) await expect.poll(() => releaseNow(id), { timeout: 10_000 }).toBe(false);
  };
  const reaches = (id: string, state: MessageState) => reachesState(env, id, state);


  it('a message held an hour, replaced with new text and a schedule 1 s ahead: the SMSC gets the new text once, the receipt keeps the id', async () => {
    const c = await bind();
    const id = await submit(c, '447700710001', 'old text', { schedule_delivery_time: IN_1_H });
    await reaches(id, 'SCHEDULED');
    expect(await replace(c, id, 'new text', { schedule_delivery_time: IN_1_S })).toBe(STATUS.ESME_ROK);
    await c.waitForReceipts(1, 30_000);
    expect(receiptsOf(c)).toEqual([expect.objectContaining({ id, stat: 'DELIVRD' })]);
    expect(sentTo('447700710001').map((s) => s.text)).toEqual(['new text']);
    // No copy of the old message is left waiting for its hour.
    expect(await releaseNow(id)).toBe(false);
    expect(await query(c, id)).toMatchObject({ status: STATUS.ESME_ROK, message_id: id, message_state: 2 });
  }, 60_000);

  it('a message waiting for an SMSC that is down, replaced: once the SMSC is back only the new text goes, once', async () => {
    const port = env.sim.port;
    await env.sim.close();
    const c = await bind();
    const id = await submit(c, '447700710002', 'old text');
    // Routed: in out:<pool>, held by a sender waiting for a bound session.
    await reaches(id, 'ROUTED');
    expect(await replace(c, id, 'new text')).toBe(STATUS.ESME_ROK);
    env.sim = await startSmscSim({ port, receiptDelayMs: 50 });
    await c.waitForReceipts(1, 30_000);
    expect(receiptsOf(c)).toEqual([expect.objectContaining({ id, stat: 'DELIVRD' })]);
    // The copy the sender held went back to the policy as replaced; its entry was acked.
    const out = streamNames(env.ns.prefix).out('sim');
    const pending = async () => ((await env.ns.redis.xpending(out, GROUPS.sender)) as [number])[0];
    await expect.poll(pending, { timeout: 10_000 }).toBe(0);
    expect(sentTo('447700710002').map((s) => s.text)).toEqual(['new text']);
  }, 90_000);

  it('replace_sm with registered_delivery 0: the message goes with its new text and the client gets no receipt for it', async () => {
    const c = await bind();
    const id = await submit(c, '447700710003', 'old text', { schedule_delivery_time: IN_1_H });
    await reaches(id, 'SCHEDULED');
    expect(await replace(c, id, 'no receipt please', { registered_delivery: 0, schedule_delivery_time: IN_1_S })).toBe(STATUS.ESME_ROK);
    await reaches(id, 'DELIVERED');
    // A later message with a receipt: its receipt comes after any the first one would have had.
    const later = await submit(c, '447700710004', 'with receipt');
    await c.waitForReceipts(1, 30_000);
    await reaches(later, 'DELIVERED');
    expect(receiptsOf(c).filter((r) => r.id === id)).toEqual([]);
    expect(receiptsOf(c).map((r) => r.id)).toEqual([later]);
    expect(sentTo('447700710003').map((s) => s.text)).toEqual(['no receipt please']);
  }, 60_000);

  it('replace_if_present_flag: a second submit with the same addresses and service_type replaces the held one and gets its id', async () => {
    const c = await bind();
    const first = await submit(c, '447700710005', 'first version', { service_type: 'CMT', schedule_delivery_time: IN_1_H });
    await reaches(first, 'SCHEDULED');
    const second = await submit(c, '447700710005', 'second version', { service_type: 'CMT', replace_if_present_flag: 1 });
    expect(second).toBe(first);
    await c.waitForReceipts(1, 30_000);
    expect(receiptsOf(c)).toEqual([expect.objectContaining({ id: first, stat: 'DELIVRD' })]);
    expect(sentTo('447700710005').map((s) => s.text)).toEqual(['second version']);
    expect(await releaseNow(first)).toBe(false);
    expect(await query(c, first)).toMatchObject({ status: STATUS.ESME_ROK, message_state: 2 });
  }, 60_000);

  it('mass cancel (no message_id): both held messages to the destination end DELETED and never go; one to another destination still goes when due', async () => {
    const c = await bind();
    const a = await submit(c, '447700710006', 'a', { schedule_delivery_time: IN_1_H });
    const b = await submit(c, '447700710006', 'b', { schedule_delivery_time: IN_1_H });
    const other = await submit(c, '447700710007', 'other', { schedule_delivery_time: IN_10_S });
    for (const id of [a, b, other]) await reaches(id, 'SCHEDULED');
    // A service_type none of them has: nothing to cancel.
    expect(await cancel(c, { ...address('447700710006'), service_type: 'WAP' })).toBe(STATUS.ESME_RCANCELFAIL);
    expect(await cancel(c, address('447700710006'))).toBe(STATUS.ESME_ROK);
    await c.waitForReceipts(2, 20_000);
    expect(receiptsOf(c).map((r) => [r.id, r.stat]).sort()).toEqual([[a, 'DELETED'], [b, 'DELETED']].sort());
    for (const id of [a, b]) expect(await query(c, id)).toMatchObject({ status: STATUS.ESME_ROK, message_state: 4 });
    // Nothing more from that source to that destination.
    expect(await cancel(c, address('447700710006'))).toBe(STATUS.ESME_RCANCELFAIL);
    // Their held copies come back to the policy now, and are dropped there; `other` follows later.
    await releaseAll([a, b]);
    await c.waitForReceipts(3, 30_000);
    expect(receiptsOf(c)[2]).toMatchObject({ id: other, stat: 'DELIVRD' });
    expect(sentTo('447700710007').map((s) => s.text)).toEqual(['other']);
    expect(sentTo('447700710006')).toEqual([]);
  }, 60_000);

  it('cancel_sm with a submit_multi\'s message_id: every destination ends DELETED with its receipt, query_sm DELETED, none sent', async () => {
    const c = await bind();
    const good = ['447700710008', '447700710009', '447700710010'];
    const resp = await c.session.request({
      command: 'submit_multi', ...source, registered_delivery: 1, schedule_delivery_time: IN_1_H, short_message: encodeGsm7('to the three of you')!,
      dest_addresses: good.map((d): MultiDestination => ({ dest_flag: 1, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: d })),
    });
    expect(resp).toMatchObject({ status: STATUS.ESME_ROK, no_unsuccess: 0 });
    const cid = resp.message_id!;
    const ids = (await createMultiIds(env.ns.redis, env.ns.prefix).idsOf('acme', cid))!;
    expect(ids).toHaveLength(3);
    for (const id of ids) await reaches(id, 'SCHEDULED');
    expect(await cancel(c, { message_id: cid, ...source })).toBe(STATUS.ESME_ROK);
    await c.waitForReceipts(3, 20_000);
    // §4.6.1: each receipt comes from its destination, under the one id the client was given.
    expect(receiptsOf(c).map((r) => [r.from, r.id, r.stat]).sort()).toEqual(good.map((d) => [d, cid, 'DELETED']));
    expect(await query(c, cid)).toMatchObject({ status: STATUS.ESME_ROK, message_id: cid, message_state: 4 });
    expect(await cancel(c, { message_id: cid, ...source })).toBe(STATUS.ESME_RCANCELFAIL);
    // Their held copies come back to the policy now and are dropped there; a later message goes after them.
    await releaseAll(ids);
    const later = await submit(c, '447700710013', 'after them');
    await c.waitForReceipts(4, 30_000);
    expect(receiptsOf(c)[3]).toMatchObject({ id: later, stat: 'DELIVRD' });
    expect(good.flatMap(sentTo)).toEqual([]);
  }, 60_000);

  it('refusals: a delivered message ESME_RREPLACEFAIL; a bad schedule ESME_RINVSCHED and the held message goes unchanged', async () => {
    const c = await bind();
    const delivered = await submit(c, '447700710011', 'gone already');
    await c.waitForReceipts(1, 30_000);
    expect(receiptsOf(c)[0]).toMatchObject({ id: delivered, stat: 'DELIVRD' });
    expect(await replace(c, delivered, 'too late')).toBe(STATUS.ESME_RREPLACEFAIL);
    const held = await submit(c, '447700710012', 'kept', { schedule_delivery_time: IN_10_S });
    await reaches(held, 'SCHEDULED');
    expect(await replace(c, held, 'never', { schedule_delivery_time: '261301000000000+' })).toBe(STATUS.ESME_RINVSCHED); // month 13
    expect(await replace(c, '', 'no id')).toBe(STATUS.ESME_RINVMSGID);
    // When its time comes it goes as it was.
    await c.waitForReceipts(2, 30_000);
    expect(receiptsOf(c)[1]).toMatchObject({ id: held, stat: 'DELIVRD' });
    expect(sentTo('447700710012').map((s) => s.text)).toEqual(['kept']);
  }, 60_000);
});
