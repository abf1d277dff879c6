import { afterEach, describe, expect, it } from 'vitest';
import { ESM_CLASS, STATUS, TLV } from '@smsgw/smpp';
import { parseReceiptText } from '@smsgw/sms-text';
import { startSmscSim } from './smsc-sim';
import { netSmppAvailable, netSmppShortMessage, netSmppTlv, startNetSmppClient } from './netsmpp-client';

// The harness itself, against our SMSC simulator: if these pass, a failure in the ingress
// interop tests is the ingress's, not the wrapper's.
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function setup(password = 'secret') {
  const sim = await startSmscSim({ receiptDelayMs: 5, systemId: 'acme', password: 'secret' });
  closers.push(() => sim.close());
  const client = await startNetSmppClient({ host: sim.host, port: sim.port, systemId: 'acme', password, mode: 'transceiver' });
  closers.push(() => client.close());
  return { sim, client };
}

describe.skipIf(!netSmppAvailable())('Net::SMPP client wrapper against the SMSC simulator (skipped when perl or libnet-smpp-perl is absent)', () => {
  it('binds, submits, and reads back the receipt deliver_sm, which it acks', async () => {
    const { sim, client } = await setup();
    expect(client.bindResp).toMatchObject({ command: 'bind_transceiver_resp', command_status: STATUS.ESME_ROK });
    const resp = await client.submitSm({ source_addr: 'ACME', destination_addr: '491701234567', registered_delivery: 1, short_message: Buffer.from('Hello perl') });
    expect(resp).toMatchObject({ command: 'submit_sm_resp', command_status: STATUS.ESME_ROK });
    expect(resp.message_id).toMatch(/^[0-9a-f]{8}$/);
    expect(sim.submits[0]).toMatchObject({ smscMsgId: resp.message_id, text: 'Hello perl', destination: '491701234567' });

    const [r] = await client.readPdus(5_000);
    expect(r).toMatchObject({ command: 'deliver_sm', source_addr: '491701234567', destination_addr: 'ACME' });
    expect(r!.esm_class! & ESM_CLASS.TYPE_MASK).toBe(ESM_CLASS.DELIVERY_RECEIPT);
    expect(netSmppTlv(r!, TLV.receipted_message_id)?.toString('latin1')).toBe(`${resp.message_id}\0`);
    expect(netSmppTlv(r!, TLV.message_state)?.[0]).toBe(2);
    expect(parseReceiptText(netSmppShortMessage(r!).toString('latin1'))).toMatchObject({ id: resp.message_id, stat: 'DELIVRD' });
    await expect.poll(() => sim.stats.receiptsAcked).toBe(1);

    expect(await client.enquireLink()).toMatchObject({ command: 'enquire_link_resp', command_status: 0 });
    expect(await client.unbind()).toMatchObject({ command: 'unbind_resp', command_status: 0 });
    await expect(client.submitSm({ destination_addr: '1' })).rejects.toThrow(/not connected/);
  });

  it('acks a receipt that arrives while no command is pending', async () => {
    const { sim, client } = await setup();
    await client.submitSm({ destination_addr: '4911', registered_delivery: 1, short_message: Buffer.from('x') });
    // Nothing is read here: the peer answers the deliver_sm on its own.
    await expect.poll(() => sim.stats.receiptsAcked).toBe(1);
    expect(await client.readPdus(0)).toHaveLength(1);
  });

  it('answers deliver_sm with the status it is told to, and sends raw PDUs as given', async () => {
    const { sim, client } = await setup();
    await client.setDeliverStatus(STATUS.ESME_RMSGQFUL);
    await client.submitSm({ destination_addr: '4911', registered_delivery: 1, short_message: Buffer.from('x') });
    const [first] = await client.readPdus(5_000);
    expect(first?.command).toBe('deliver_sm');
    expect(sim.stats.receiptsAcked).toBe(0);
    // The simulator sends a refused receipt again (after 0.5 s); this time it is taken.
    await client.setDeliverStatus(STATUS.ESME_ROK);
    await expect.poll(() => sim.stats.receiptsAcked, { timeout: 5_000 }).toBe(1);
    expect(sim.stats.receiptsSent).toBeGreaterThanOrEqual(2);
    // enquire_link (§4.11.1), header only, sequence number 77.
    const enquire = Buffer.from('0000001000000015000000000000004d', 'hex');
    expect(await client.raw(enquire)).toMatchObject({ command: 'enquire_link_resp', command_status: 0, seq: 77 });
  });

  it('reports a refused bind with its status', async () => {
    const { client } = await setup('wrong');
    expect(client.bindResp?.command_status).toBe(STATUS.ESME_RBINDFAIL);
  });
});
