import { describe, expect, it } from 'vitest';
import { connectTestClient } from '@smsgw/testing';
import { STATUS, TLV, getTlv, type MultiDestination, type Pdu } from '@smsgw/smpp';
import { parseReceiptText } from '@smsgw/sms-text';
import { useStack } from './use-stack';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// submit_multi (SMPP v3.4 §4.5) through the running gateway: each destination is a message of
// its own all the way to the SMSC and back, under the one message_id the client was given.
describe('submit_multi through the running gateway', () => {
  const env = useStack('e2e-submit-multi', { sim: { receiptDelayMs: 50 } });

  it('3 numbers + 1 bad: the SMSC gets 3 submits, the client 3 DELIVRD receipts with its message_id, each from its destination', async () => {
    const client = await connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'acmepw', mode: 'transceiver' });
    const good = ['447700300001', '447700300002', '447700300003'];
    const dests = [good[0]!, '4477003x', good[1]!, good[2]!].map((d): MultiDestination => ({ dest_flag: 1, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: d }));
    const resp = await client.session.request({
      command: 'submit_multi', source_addr_ton: 5, source_addr: 'ACME', dest_addresses: dests, registered_delivery: 1, short_message: Buffer.from('to the three of you'),
    });
    expect(resp).toMatchObject({ command: 'submit_multi_resp', status: STATUS.ESME_ROK, no_unsuccess: 1 });
    expect(resp.unsuccess_smes).toEqual([{ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '4477003x', error_status_code: STATUS.ESME_RINVDSTADR }]);
    const cid = resp.message_id!;
    expect(cid).toMatch(UUID);

    await client.waitForReceipts(3, 30_000);
    await new Promise((r) => setTimeout(r, 500)); // nothing more arrives
    const receipts = client.receipts as Pdu[];
    expect(receipts).toHaveLength(3);
    // §4.6.1: a receipt comes from the original destination; the client tells them apart by it.
    expect(receipts.map((r) => r.source_addr).sort()).toEqual(good);
    for (const r of receipts) {
      expect(r.destination_addr).toBe('ACME');
      expect(parseReceiptText(r.short_message!.toString('latin1'))).toMatchObject({ id: cid, stat: 'DELIVRD' });
      expect(getTlv(r, TLV.receipted_message_id)?.toString('latin1')).toBe(`${cid}\0`);
    }
    const sent = env.sim.messages().filter((m) => m.destination.startsWith('4477003'));
    expect(sent.map((m) => m.destination).sort()).toEqual(good);
    expect(sent.every((m) => m.text === 'to the three of you')).toBe(true);
    await client.close();
  }, 60_000);
});
