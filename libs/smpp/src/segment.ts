import { encodeGsm7 } from './gsm7';
import { TextDecodeError } from './text-error';
import { encodeUcs2 } from './ucs2';

/** Single-message capacity on the air interface (140 octets): 160 septets or 70 UCS-2 units. */
const GSM_SINGLE = 160;
const UCS2_SINGLE = 70;
/** With the 6-octet concatenation UDH (IEI 0x00): 153 septets or 67 UCS-2 units per part. */
const GSM_PART = 153;
const UCS2_PART = 67;
const ESC = 0x1b;

export interface SplitResult {
  /** 0 = GSM 03.38 unpacked septets, 8 = UCS-2 (SMPP v3.4 §5.2.19). */
  dataCoding: 0 | 8;
  /** short_message of each part, UDH included when `udh` is true (then set esm_class 0x40). */
  parts: Buffer[];
  udh: boolean;
}

/**
 * Encode a text for submit_sm: GSM 7-bit when every character is in the default alphabet (+
 * extension), else UCS-2; concatenated with an 8-bit reference UDH (05 00 03 ref total seq) when it
 * does not fit one message. An escape pair and a surrogate pair are never split between parts.
 */
export function splitText(text: string, opts: { ref: number }): SplitResult {
  const gsm = encodeGsm7(text);
  if (gsm) {
    if (gsm.length <= GSM_SINGLE) return { dataCoding: 0, parts: [gsm], udh: false };
    // Extension codes are never 0x1B, so an ESC at a cut point is always the first of a pair.
    return { dataCoding: 0, parts: withUdh(cut(gsm, GSM_PART, 1, (b, end) => b[end - 1] === ESC), opts.ref), udh: true };
  }
  const ucs2 = encodeUcs2(text);
  if (ucs2.length <= UCS2_SINGLE * 2) return { dataCoding: 8, parts: [ucs2], udh: false };
  const isHighSurrogate = (b: Buffer, end: number) => {
    const unit = b.readUInt16BE(end - 2);
    return unit >= 0xd800 && unit <= 0xdbff;
  };
  return { dataCoding: 8, parts: withUdh(cut(ucs2, UCS2_PART * 2, 2, isHighSurrogate), opts.ref), udh: true };
}

/** Cut into chunks of at most `size` octets, stepping back one `unit` when the cut splits a pair. */
function cut(bytes: Buffer, size: number, unit: number, splitsPair: (b: Buffer, end: number) => boolean): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    let end = Math.min(i + size, bytes.length);
    if (end < bytes.length && splitsPair(bytes, end)) end -= unit;
    chunks.push(bytes.subarray(i, end));
    i = end;
  }
  return chunks;
}

function withUdh(chunks: Buffer[], ref: number): Buffer[] {
  if (chunks.length > 255) throw new RangeError(`text needs ${chunks.length} parts; at most 255 fit a UDH`);
  return chunks.map((c, i) => Buffer.concat([Buffer.from([0x05, 0x00, 0x03, ref & 0xff, chunks.length, i + 1]), c]));
}

export interface ParsedUdh {
  /** The whole UDH including its length octet. */
  udh: Buffer;
  ref?: number;
  total?: number;
  seq?: number;
  /** The message content after the UDH. */
  body: Buffer;
}

/**
 * Parse the User Data Header at the start of short_message (TS 23.040 §9.2.3.24) and pick out a
 * concatenation IE: IEI 0x00 (8-bit reference) or 0x08 (16-bit reference). Every IE is
 * bounds-checked; a malformed UDH throws TextDecodeError('invalid').
 */
export function parseUdh(sm: Buffer): ParsedUdh {
  if (sm.length === 0) throw new TextDecodeError('invalid', 'UDH indicated but short_message is empty');
  const udhl = sm[0]!;
  if (udhl + 1 > sm.length) throw new TextDecodeError('invalid', `UDH length ${udhl} beyond end of message`);
  const result: ParsedUdh = { udh: sm.subarray(0, udhl + 1), body: sm.subarray(udhl + 1) };
  let i = 1;
  while (i < udhl + 1) {
    if (i + 2 > udhl + 1) throw new TextDecodeError('invalid', 'truncated UDH information element');
    const iei = sm[i]!;
    const iel = sm[i + 1]!;
    const data = i + 2;
    if (data + iel > udhl + 1) throw new TextDecodeError('invalid', `UDH IE 0x${iei.toString(16)} overruns the UDH`);
    if (iei === 0x00 || iei === 0x08) {
      const want = iei === 0x00 ? 3 : 4;
      if (iel !== want) throw new TextDecodeError('invalid', `concatenation IE 0x${iei.toString(16)} must be ${want} octets`);
      const ref = iei === 0x00 ? sm[data]! : sm.readUInt16BE(data);
      const total = sm[data + want - 2]!;
      const seq = sm[data + want - 1]!;
      if (total === 0 || seq === 0 || seq > total) throw new TextDecodeError('invalid', `concatenation part ${seq}/${total}`);
      result.ref = ref;
      result.total = total;
      result.seq = seq;
    }
    i = data + iel;
  }
  return result;
}
