import { describe, expect, it } from 'vitest';
import { GROUPS, streamNames, type MessageState } from '@smsgw/contracts';
import { connectTestClient, startSmscSim } from '@smsgw/testing';
import { STATUS } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { reachesState, useStack } from './use-stack';

// cancel_sm (§4.9) through the running gateway: a message not yet handed to an SMSC — held by
// its schedule, or waiting for an SMSC that is down — is cancelled, gets its DELETED receipt
// and never reaches the SMSC; for a message the SMSC has, cancel_sm (and replace_sm) go to that
// SMSC through the sender holding the link, and its answer comes back.
describe('cancel_sm', () => {
  const env = useStack('e2e-cancel', {
    sim: { receiptDelayMs: 50 },
    stack: () => ({
      clients: [{ systemId: 'acme', password: 'pw' }],
      // Reconnect within a second of the SMSC coming back.
      smscExtra: { reconnectMaxMs: 1_000 },
      extra: { policy: { deferPollMs: 200 } },
    }),
  });

  const bind = () => connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'pw', mode: 'transceiver' });
  type Client = Awaited<ReturnType<typeof bind>>;
  const address = (destination: string) => ({ source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: destination });
  const submit = async (c: Client, destination: string, extra: Record<string, unknown> = {}) => {
    const r = await c.submit({ ...address(destination), registered_delivery: 1, short_message: encodeGsm7(`to ${destination}`)!, ...extra });
    expect(r.status).toBe(STATUS.ESME_ROK);
    return r.message_id!;
  };
  const cancel = async (c: Client, id: string, destination: string) =>
    (await c.session.request({ command: 'cancel_sm', service_type: '', message_id: id, ...address(destination) })).status;
  const query = (c: Client, id: string) => c.session.request({ command: 'query_sm', message_id: id, source_addr_ton: 5, source_addr: 'ACME' });
  const receipts = (c: Client) => c.receipts.map((p) => parseReceiptText(p.short_message!.toString('latin1')));
  const sentTo = (destination: string) => env.sim.submits.filter((s) => s.destination === destination);
  const reaches = (id: string, state: MessageState) => reachesState(env, id, state);


  it('a message scheduled an hour ahead, cancelled: ESME_ROK, a DELETED receipt, query_sm DELETED, never sent', async () => {
    const c = await bind();
    const id = await submit(c, '447700700001', { schedule_delivery_time: '000000010000000R' }); // in 1 h
    await reaches(id, 'SCHEDULED');
    expect(await cancel(c, id, '447700700001')).toBe(STATUS.ESME_ROK);
    await c.waitForReceipts(1, 20_000);
    expect(receipts(c)[0]).toMatchObject({ id, stat: 'DELETED' });
    expect(await query(c, id)).toMatchObject({ status: 0, message_id: id, message_state: 4 });
    await reaches(id, 'DELETED');
    expect(await cancel(c, id, '447700700001')).toBe(STATUS.ESME_RCANCELFAIL);
    expect(sentTo('447700700001')).toHaveLength(0);
    await c.close();
  }, 60_000);

  it('a message waiting for an SMSC that is down, cancelled: a DELETED receipt at once, and never sent once the SMSC is back', async () => {
    const port = env.sim.port;
    await env.sim.close();
    const c = await bind();
    const id = await submit(c, '447700700002');
    // Routed: in out:<pool>, held by a sender waiting for a bound session.
    await reaches(id, 'ROUTED');
    expect(await cancel(c, id, '447700700002')).toBe(STATUS.ESME_ROK);
    await c.waitForReceipts(1, 20_000);
    expect(receipts(c)[0]).toMatchObject({ id, stat: 'DELETED' });
    // The SMSC comes back: the waiting sender meets the cancel at its hand-off and acks the entry.
    env.sim = await startSmscSim({ port, receiptDelayMs: 50 });
    const out = streamNames(env.ns.prefix).out('sim');
    const end = Date.now() + 30_000;
    const pending = async () => ((await env.ns.redis.xpending(out, GROUPS.sender)) as [number])[0];
    while ((await pending()) > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(await pending()).toBe(0);
    // Another message goes through the same link meanwhile; the cancelled one never did.
    const other = await submit(c, '447700700003');
    await c.waitForReceipts(2, 30_000);
    expect(receipts(c)[1]).toMatchObject({ id: other, stat: 'DELIVRD' });
    expect(sentTo('447700700002')).toHaveLength(0);
    expect(c.receipts).toHaveLength(2); // the DELETED receipt came once
    await c.close();
  }, 90_000);

  it('a delivered message cannot be cancelled: ESME_RCANCELFAIL', async () => {
    const c = await bind();
    const id = await submit(c, '447700700004');
    await c.waitForReceipts(1, 20_000);
    expect(receipts(c)[0]).toMatchObject({ id, stat: 'DELIVRD' });
    expect(await cancel(c, id, '447700700004')).toBe(STATUS.ESME_RCANCELFAIL);
    await c.close();
  }, 60_000);

  it('a message its SMSC has and has not delivered yet: replace_sm and cancel_sm go to that SMSC with its id; cancelled, it ends DELETED with its receipt', async () => {
    // An SMSC that keeps its messages a minute before delivering them.
    const port = env.sim.port;
    await env.sim.close();
    env.sim = await startSmscSim({ port, receiptDelayMs: 60_000 });
    const c = await bind();
    const id = await submit(c, '447700700005');
    await reaches(id, 'SUBMITTED');
    const [submitted] = sentTo('447700700005');
    const replaced = await c.session.request({
      command: 'replace_sm', message_id: id, source_addr_ton: 5, source_addr: 'ACME', schedule_delivery_time: '', validity_period: '',
      registered_delivery: 1, sm_default_msg_id: 0, short_message: encodeGsm7('new words')!,
    });
    expect(replaced.status).toBe(STATUS.ESME_ROK);
    expect(env.sim.replaces).toMatchObject([{ messageId: submitted!.smscMsgId, text: 'new words', status: STATUS.ESME_ROK }]);
    expect(await cancel(c, id, '447700700005')).toBe(STATUS.ESME_ROK);
    expect(env.sim.cancels).toMatchObject([{ messageId: submitted!.smscMsgId, destination: { addr: '447700700005' }, status: STATUS.ESME_ROK }]);
    await c.waitForReceipts(1, 20_000);
    expect(receipts(c)[0]).toMatchObject({ id, stat: 'DELETED' });
    await reaches(id, 'DELETED');
    expect(await query(c, id)).toMatchObject({ status: 0, message_state: 4 });
    // Ended: a second cancel is not forwarded.
    expect(await cancel(c, id, '447700700005')).toBe(STATUS.ESME_RCANCELFAIL);
    expect(env.sim.cancels).toHaveLength(1);
    await c.close();
  }, 60_000);
});
