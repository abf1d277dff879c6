import { describe, expect, it } from 'vitest';
import { TLV, uint16Tlv, uint8Tlv, type Pdu } from '@smsgw/smpp';
import { encodeUcs2, segmentText } from '@smsgw/sms-text';
import { describeSubmit, reassemble } from './sim-submits';

const udh = (ref: number, total: number, seq: number) => Buffer.from([0x05, 0x00, 0x03, ref, total, seq]);
const sm = (over: Partial<Pdu>): Pdu => ({ command: 'submit_sm', commandId: 4, status: 0, seq: 1, source_addr: 'A', destination_addr: 'B', tlvs: [], ...over });
const part = (text: string, ref: number, total: number, seq: number, id: string) =>
  describeSubmit(sm({ esm_class: 0x40, short_message: Buffer.concat([udh(ref, total, seq), Buffer.from(text)]) }), id, 0);

describe('describeSubmit', () => {
  it('strips the UDH and decodes UCS-2', () => {
    const r = describeSubmit(sm({ esm_class: 0x40, data_coding: 8, short_message: Buffer.concat([udh(9, 2, 1), encodeUcs2('Привет')]) }), 'x', 5);
    expect(r).toMatchObject({ text: 'Привет', udh: { ref: 9, total: 2, seq: 1 }, smscMsgId: 'x', dataCoding: 8, at: 5 });
  });

  it('reads SAR TLVs, prefers message_payload and gives "" for binary', () => {
    const sar = describeSubmit(sm({ tlvs: [uint16Tlv(TLV.sar_msg_ref_num, 300), uint8Tlv(TLV.sar_total_segments, 3), uint8Tlv(TLV.sar_segment_seqnum, 2)] }), 'y', 0);
    expect(sar.udh).toEqual({ ref: 300, total: 3, seq: 2 });
    const payload = describeSubmit(sm({ short_message: Buffer.alloc(0), tlvs: [{ tag: TLV.message_payload, value: Buffer.from('long text') }] }), 'z', 0);
    expect(payload.text).toBe('long text');
    expect(describeSubmit(sm({ data_coding: 4, short_message: Buffer.from([1, 2]) }), 'b', 0).text).toBe('');
  });
});

describe('reassemble', () => {
  it('joins parts in seq order, keeps singles, and starts a new group when a reference is reused', () => {
    const subs = [
      part('world', 7, 2, 2, 'm2'),
      describeSubmit(sm({ short_message: Buffer.from('single') }), 's', 0),
      part('hello ', 7, 2, 1, 'm1'),
      part('again ', 7, 2, 1, 'm3'),
      part('and again', 7, 2, 2, 'm4'),
    ];
    expect(reassemble(subs)).toEqual([
      { source: 'A', destination: 'B', text: 'hello world', parts: 2, smscMsgIds: ['m1', 'm2'] },
      { source: 'A', destination: 'B', text: 'single', parts: 1, smscMsgIds: ['s'] },
      { source: 'A', destination: 'B', text: 'again and again', parts: 2, smscMsgIds: ['m3', 'm4'] },
    ]);
  });

  it('a resent part replaces the earlier copy', () => {
    const msgs = reassemble([part('a', 1, 2, 1, 'x1'), part('a', 1, 2, 1, 'x2'), part('b', 1, 2, 2, 'x3')]);
    expect(msgs).toEqual([{ source: 'A', destination: 'B', text: 'ab', parts: 2, smscMsgIds: ['x2', 'x3'] }]);
  });
});

describe('reassembly of every mode and coding', () => {
  const modes = ['udh8', 'udh16', 'sar', 'payload'] as const;
  const texts = [
    'Price 5€ [a] {b} ~ | \\ ^ '.repeat(16).slice(0, 400),
    'Привет, мир! '.repeat(16).slice(0, 200),
    '😀'.repeat(100),
    'ş'.repeat(170) + ' İstanbul',
    'Grüße ` '.repeat(40),
  ];
  it.each(modes)('%s: parts (shuffled) reassemble to the original text', (mode) => {
    for (const [i, text] of texts.entries()) {
      for (const packed of [false, true]) {
        const seg = segmentText(text, { mode, ref: 300 + i, shiftTables: mode.startsWith('udh') ? ['turkish'] : [], latin1: true, packed });
        const subs = seg.parts.map((p, n) =>
          describeSubmit(sm({ esm_class: seg.esmClass, data_coding: seg.dataCoding, short_message: p.sm, tlvs: p.tlvs }), `m${n}`, 0, { gsmPacked: packed }),
        );
        const msgs = reassemble([...subs].reverse());
        expect(msgs).toHaveLength(1);
        expect(msgs[0]).toMatchObject({ text, parts: seg.parts.length });
        expect(msgs[0]!.smscMsgIds).toEqual(seg.parts.map((_, n) => `m${n}`));
      }
    }
  });

  it('a malformed UDH gives an empty text, not a crash', () => {
    expect(describeSubmit(sm({ esm_class: 0x40, short_message: Buffer.from([0x09, 0x00]) }), 'x', 0).text).toBe('');
  });
});
