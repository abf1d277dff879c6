import { afterEach, describe, expect, it } from 'vitest';
import { STATUS, type Pdu } from '@smsgw/smpp';
import { encodeUcs2, parseReceiptText } from '@smsgw/sms-text';
import { startSmscSim, type SmscSimOptions } from './smsc-sim';
import { connectTestClient } from './smpp-test-client';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function setup(simOpts: SmscSimOptions = {}, mode: 'transceiver' | 'receiver' = 'transceiver') {
  const sim = await startSmscSim(simOpts);
  closers.push(() => sim.close());
  const client = await connectTestClient({ host: sim.host, port: sim.port, systemId: 'acme', password: 'x', mode });
  closers.push(() => client.close());
  const cancel = (message_id: string, source_addr = 'ACME', destination_addr = '') =>
    client.session.request({ command: 'cancel_sm', service_type: '', message_id, source_addr_ton: 5, source_addr, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr });
  const replace = (message_id: string, short_message: Buffer, source_addr = 'ACME') =>
    client.session.request({ command: 'replace_sm', message_id, source_addr_ton: 5, source_addr, schedule_delivery_time: '', validity_period: '000001000000000R', registered_delivery: 1, sm_default_msg_id: 0, short_message });
  return { sim, client, cancel, replace };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const status = (p: Pdu) => ({ command: p.command, status: p.status });

describe('SMSC simulator: cancel_sm and replace_sm', () => {
  it('cancels a message whose receipt has not gone (the receipt then never goes), nothing else', async () => {
    const { sim, client, cancel } = await setup({ receiptDelayMs: 300 });
    const a = await client.submit({ source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, destination_addr: '447700900123', registered_delivery: 1, short_message: Buffer.from('a') });
    const b = await client.submit({ source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, destination_addr: '447700900124', registered_delivery: 1, short_message: Buffer.from('b') });
    // The source must be the original's, and so must a destination given (§4.9.1).
    expect(status(await cancel(a.message_id!, 'OTHER'))).toEqual({ command: 'cancel_sm_resp', status: STATUS.ESME_RCANCELFAIL });
    expect(status(await cancel(a.message_id!, 'ACME', '447700900999'))).toEqual({ command: 'cancel_sm_resp', status: STATUS.ESME_RCANCELFAIL });
    expect(status(await cancel(a.message_id!, 'ACME', '447700900123'))).toEqual({ command: 'cancel_sm_resp', status: STATUS.ESME_ROK });
    expect(status(await cancel(a.message_id!))).toEqual({ command: 'cancel_sm_resp', status: STATUS.ESME_RCANCELFAIL }); // gone already
    expect(status(await cancel('ffffffff'))).toEqual({ command: 'cancel_sm_resp', status: STATUS.ESME_RCANCELFAIL });
    const [r] = await client.waitForReceipts(1);
    expect(parseReceiptText(r!.short_message!.toString('latin1')).id).toBe(b.message_id);
    // Its receipt went: too late to cancel.
    expect(status(await cancel(b.message_id!))).toEqual({ command: 'cancel_sm_resp', status: STATUS.ESME_RCANCELFAIL });
    await sleep(400);
    expect(client.receipts).toHaveLength(1);
    expect(sim.cancels.map((c) => c.status)).toEqual([0x11, 0x11, 0, 0x11, 0x11, 0x11]);
    expect(sim.cancels[2]).toEqual({
      messageId: a.message_id, serviceType: '', status: 0,
      source: { ton: 5, npi: 0, addr: 'ACME' }, destination: { ton: 1, npi: 1, addr: '447700900123' },
    });
  });

  it('replaces the text of a pending message, read in the original data_coding, and the receipt shows the new text', async () => {
    const { sim, client, replace } = await setup({ receiptDelayMs: 300 });
    const a = await client.submit({ source_addr_ton: 5, source_addr: 'ACME', destination_addr: '4477', registered_delivery: 1, data_coding: 8, short_message: encodeUcs2('старый') });
    expect(status(await replace(a.message_id!, encodeUcs2('новый текст')))).toEqual({ command: 'replace_sm_resp', status: STATUS.ESME_ROK });
    expect(sim.replaces).toEqual([expect.objectContaining({
      messageId: a.message_id, dataCoding: 8, text: 'новый текст', validity: '000001000000000R', registeredDelivery: 1, smDefaultMsgId: 0, status: 0,
    })]);
    const [r] = await client.waitForReceipts(1);
    // The receipt text is GSM-safe: what GSM cannot show is '?' (one per character).
    expect(parseReceiptText(r!.short_message!.toString('latin1')).text).toBe('????? ?????');
    expect(status(await replace(a.message_id!, encodeUcs2('later')))).toEqual({ command: 'replace_sm_resp', status: STATUS.ESME_RREPLACEFAIL });
    expect(status(await replace('ffffffff', Buffer.from('x')))).toEqual({ command: 'replace_sm_resp', status: STATUS.ESME_RREPLACEFAIL });
  });

  it('keeps messages without a receipt pending; answers a configured status; refuses a receiver', async () => {
    const { sim, client, cancel, replace } = await setup({ receipts: false, cancelStatus: STATUS.ESME_RSYSERR, replaceStatus: STATUS.ESME_RINVSRCADR });
    const a = await client.submit({ source_addr: 'ACME', destination_addr: '4477', short_message: Buffer.from('a') });
    expect((await cancel(a.message_id!)).status).toBe(STATUS.ESME_RSYSERR);
    expect((await replace(a.message_id!, Buffer.from('b'))).status).toBe(STATUS.ESME_RINVSRCADR);
    expect(sim.cancels.map((c) => c.status)).toEqual([STATUS.ESME_RSYSERR]);
    const plain = await setup({ receipts: false });
    const b = await plain.client.submit({ source_addr: 'ACME', destination_addr: '4477', short_message: Buffer.from('a') });
    expect((await plain.replace(b.message_id!, Buffer.from('new'))).status).toBe(STATUS.ESME_ROK);
    expect(plain.sim.replaces[0]).toMatchObject({ text: 'new', dataCoding: 0 });
    expect((await plain.cancel(b.message_id!)).status).toBe(STATUS.ESME_ROK);
    const rx = await setup({}, 'receiver');
    expect((await rx.cancel(b.message_id!)).status).toBe(STATUS.ESME_RINVBNDSTS);
  });
});
