import { describe, expect, it } from 'vitest';
import { FramingError, PduFramer } from './framer';
import { encodePdu } from './pdu-codec';

const enquire = (seq: number) => encodePdu({ command: 'enquire_link', seq });

describe('PduFramer', () => {
  it('returns many frames from one chunk without copying them', () => {
    const chunk = Buffer.concat([enquire(1), enquire(2), enquire(3)]);
    const frames = new PduFramer().push(chunk);
    expect(frames.map((f) => f.readUInt32BE(12))).toEqual([1, 2, 3]);
    expect(frames[1]!.buffer).toBe(chunk.buffer);
  });

  it('joins a frame split across chunks, header included', () => {
    const wire = encodePdu({ command: 'submit_sm', seq: 9, short_message: Buffer.from('hello') });
    const f = new PduFramer();
    expect(f.push(wire.subarray(0, 2))).toEqual([]);
    expect(f.push(wire.subarray(2, 7))).toEqual([]);
    expect(f.push(wire.subarray(7, 20))).toEqual([]);
    expect(f.push(Buffer.concat([wire.subarray(20), enquire(10).subarray(0, 3)]))).toEqual([wire]);
    expect(f.pending).toBe(3);
  });

  it('rejects command_length below 16 before buffering a body', () => {
    const f = new PduFramer();
    const bad = Buffer.from('0000000880000000', 'hex');
    expect(() => f.push(bad)).toThrow(FramingError);
    // It stays broken: framing is lost for good.
    expect(() => f.push(enquire(1))).toThrow(FramingError);
  });

  it('rejects command_length above the maximum as soon as 4 octets arrived', () => {
    const f = new PduFramer(1024);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(0x7fffffff, 0);
    try {
      f.push(head);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FramingError);
      expect((err as FramingError).commandLength).toBe(0x7fffffff);
      expect((err as FramingError).seq).toBeUndefined();
    }
  });

  it('reports seq of an oversized PDU when its header arrived', () => {
    const h = Buffer.from('00100000' + '00000004' + '00000000' + '0000abcd', 'hex');
    try {
      new PduFramer(4096).push(h);
      expect.unreachable();
    } catch (err) {
      expect((err as FramingError).seq).toBe(0xabcd);
    }
  });

  it('handles a maximum-size frame fed one octet at a time', () => {
    const big = encodePdu({ command: 'submit_sm', seq: 1, tlvs: [{ tag: 0x0424, value: Buffer.alloc(60_000, 7) }] });
    const f = new PduFramer();
    const out: Buffer[] = [];
    for (let i = 0; i < big.length; i++) out.push(...f.push(big.subarray(i, i + 1)));
    expect(out).toEqual([big]);
  });
});
