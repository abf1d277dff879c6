import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestClient } from '@smsgw/testing';
import { TLV, type Pdu } from '@smsgw/smpp';
import { encodeGsm7, encodeUcs2, parseReceiptText } from '@smsgw/sms-text';
import { useStack } from './use-stack';

/**
 * Issue 3 end to end: long texts of every kind reach the SMSC as complete, ordered parts in the
 * SMSC's segmentation mode, reassemble to the original, and the client gets one receipt each.
 */
const GSM_400 = 'Offer: 5€ off [today] {only} ~ a|b \\o/ ^^ and more text. '.repeat(8).slice(0, 400);
const CYRILLIC_200 = 'Съешь же ещё этих мягких французских булок, да выпей чаю. '.repeat(4).slice(0, 200);
const EMOJI_100 = '😀🎉👍🚀🌍'.repeat(20);
const GSM_1000 = 'The quick brown fox jumps over the lazy dog 0123456789. '.repeat(18).slice(0, 1000);
const TURKISH = 'Günaydın! Şimdi İstanbul’dayım, yarın Ağrı’ya gidiyoruz. '.replace(/’/g, "'").repeat(4);

const CASES = [
  { name: '400-char GSM with extension characters', text: GSM_400, dc: 0, bytes: encodeGsm7(GSM_400)! },
  { name: '200-char Cyrillic', text: CYRILLIC_200, dc: 8, bytes: encodeUcs2(CYRILLIC_200) },
  { name: '100 emoji', text: EMOJI_100, dc: 8, bytes: encodeUcs2(EMOJI_100) },
  { name: '1,000-char message_payload', text: GSM_1000, dc: 0, bytes: encodeGsm7(GSM_1000)! },
  { name: 'Turkish (UCS-2 from the client)', text: TURKISH, dc: 8, bytes: encodeUcs2(TURKISH) },
];

const MODES = [
  { mode: 'udh8', n: 1, text: { segmentation: 'udh8', shiftTables: ['turkish'], reencodeUcs2: true } },
  { mode: 'udh16', n: 2, text: { segmentation: 'udh16' } },
  { mode: 'sar', n: 3, text: { segmentation: 'sar', latin1: true } },
  { mode: 'payload', n: 4, text: { segmentation: 'payload' } },
] as const;

/** Destination of case `i` routed to the SMSC of mode number `n`. */
const dest = (n: number, i: number) => `447900${n}0000${i}`;

/**
 * One stack whose sender has four SMSCs, one per segmentation mode, all on the same simulator;
 * routes pick the SMSC by destination prefix, so each message goes out in its SMSC's mode.
 */
function useModesStack(name: string) {
  return useStack(name, {
    sim: { receiptDelayMs: 20 },
    stack: (sim) => {
      const smsc = { host: '127.0.0.1', port: sim.port, systemId: 'gw', password: 'gw', sessions: 1, window: 50, reconnectMinMs: 100 };
      return {
        extra: {
          journal: { maxAgeMs: 500 },
          smscs: MODES.map((m) => ({ id: m.mode, ...smsc, text: m.text })),
          routes: MODES.map((m) => ({ prefix: `447900${m.n}`, smscs: [m.mode] })),
        },
      };
    },
  });
}

describe('long messages end to end, one SMSC per segmentation mode', () => {
  const env = useModesStack('e2e-text');
  let client: Awaited<ReturnType<typeof connectTestClient>>;
  beforeAll(async () => {
    client = await connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'acmepw', mode: 'transceiver' });
  });
  afterAll(async () => client?.close());

  it.each(MODES)('$mode: every text arrives as complete, ordered parts equal to the original; one receipt per message', async ({ mode, n }) => {
    const before = client.receipts.length;
    const ids = new Map<string, string>(); // destination → our message id
    for (const [i, c] of CASES.entries()) {
      const destination = dest(n, i);
      const long = c.bytes.length > 254;
      const resp = await client.submit({
        source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: destination,
        registered_delivery: 1, data_coding: c.dc,
        short_message: long ? Buffer.alloc(0) : c.bytes,
        tlvs: long ? [{ tag: TLV.message_payload, value: c.bytes }] : [],
      });
      expect(resp.status, c.name).toBe(0);
      ids.set(destination, resp.message_id!);
    }

    await client.waitForReceipts(before + CASES.length, 30_000);
    // Give a duplicate receipt the time to show up if there were one.
    await new Promise((r) => setTimeout(r, 500));
    const receipts = (client.receipts as Pdu[]).slice(before).map((r) => parseReceiptText(r.short_message!.toString('latin1')));
    expect(receipts).toHaveLength(CASES.length);
    expect(receipts.every((r) => r.stat === 'DELIVRD')).toBe(true);
    expect(receipts.map((r) => r.id).sort()).toEqual([...ids.values()].sort());

    for (const [i, c] of CASES.entries()) {
      const destination = dest(n, i);
      const submits = env.sim.submits.filter((s) => s.destination === destination);
      const messages = env.sim.messages().filter((m) => m.destination === destination);
      expect(messages, c.name).toHaveLength(1);
      expect(messages[0]!.text, c.name).toBe(c.text);
      if (mode === 'payload') {
        expect(submits, c.name).toHaveLength(1);
        continue;
      }
      expect(submits.length, c.name).toBeGreaterThan(1);
      // Complete and in order on the wire: seq 1..n, one reference, total n.
      expect(submits.map((s) => s.udh?.seq), c.name).toEqual(submits.map((_, n) => n + 1));
      expect(new Set(submits.map((s) => `${s.udh?.ref}/${s.udh?.total}`)).size, c.name).toBe(1);
      expect(submits[0]!.udh!.total, c.name).toBe(submits.length);
      if (mode === 'sar') expect(submits.every((s) => (s.esmClass & 0x40) === 0), c.name).toBe(true);
      if (mode === 'udh16') expect(submits.every((s) => s.shortMessage[1] === 0x08), c.name).toBe(true);
    }
    if (mode === 'udh8') {
      // The Turkish text went out as GSM 7-bit with a Turkish shift IE, not as UCS-2.
      const tr = env.sim.submits.filter((s) => s.destination === dest(n, 4));
      expect(tr.every((s) => s.dataCoding === 0 && (s.tables.single === 'turkish' || s.tables.locking === 'turkish'))).toBe(true);
    }
  }, 60_000);

  it('client-made concatenated parts (UDH and SAR), submitted out of order, reach the SMSC in order and whole; one receipt per part', async () => {
    const before = client.receipts.length;
    const texts = ['Parts cut ', 'by the client ', 'itself.'];
    const udhDest = '44790019999';
    const sarDest = '44790019998';
    const ids: string[] = [];
    // UDH parts 3, 1, 2 (8-bit reference 0x42), then SAR parts 2, 1 (reference 0x1234).
    for (const seq of [3, 1, 2]) {
      const r = await client.submit({
        source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: udhDest, registered_delivery: 1,
        esm_class: 0x40, short_message: Buffer.concat([Buffer.from([5, 0, 3, 0x42, 3, seq]), encodeGsm7(texts[seq - 1]!)!]),
      });
      ids.push(r.message_id!);
    }
    for (const seq of [2, 1]) {
      const r = await client.submit({
        source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: sarDest, registered_delivery: 1,
        short_message: encodeGsm7(texts[seq - 1]!)!,
        tlvs: [
          { tag: TLV.sar_msg_ref_num, value: Buffer.from([0x12, 0x34]) },
          { tag: TLV.sar_total_segments, value: Buffer.from([2]) },
          { tag: TLV.sar_segment_seqnum, value: Buffer.from([seq]) },
        ],
      });
      ids.push(r.message_id!);
    }
    await client.waitForReceipts(before + 5, 30_000);
    const receipts = (client.receipts as Pdu[]).slice(before).map((r) => parseReceiptText(r.short_message!.toString('latin1')));
    expect(receipts.map((r) => r.id).sort()).toEqual([...ids].sort()); // each part keeps its own message_id
    const udh = env.sim.submits.filter((x) => x.destination === udhDest);
    expect(udh.map((x) => x.udh?.seq)).toEqual([1, 2, 3]);
    expect(env.sim.messages().find((m) => m.destination === udhDest)?.text).toBe(texts.join(''));
    const sar = env.sim.submits.filter((x) => x.destination === sarDest);
    expect(sar.map((x) => x.udh?.seq)).toEqual([1, 2]);
    expect(env.sim.messages().find((m) => m.destination === sarDest)?.text).toBe(texts[0]! + texts[1]!);
  }, 60_000);
});
