import type { Gsm7Tables } from './gsm7';
import { languageById } from './gsm7-shift-tables';
import { segmentText } from './segmenter';
import { TextDecodeError } from './text-error';

export interface SplitResult {
  /** 0 = GSM 03.38 unpacked septets, 8 = UCS-2 (SMPP v3.4 §5.2.19). */
  dataCoding: 0 | 8;
  /** short_message of each part, UDH included when `udh` is true (then set esm_class 0x40). */
  parts: Buffer[];
  udh: boolean;
}

/**
 * Encode a text for submit_sm with the defaults (no Latin-1, no shift tables): GSM 7-bit when
 * every character is in the default alphabet (+ extension), else UCS-2; concatenated with an
 * 8-bit reference UDH (05 00 03 ref total seq) when it does not fit one message. See
 * segmentText for the per-SMSC modes.
 */
export function splitText(text: string, opts: { ref: number }): SplitResult {
  const s = segmentText(text, { ref: opts.ref, mode: 'udh8' });
  return { dataCoding: s.dataCoding as 0 | 8, parts: s.parts.map((p) => p.sm), udh: s.esmClass !== 0 };
}

export interface ParsedUdh {
  /** The whole UDH including its length octet. */
  udh: Buffer;
  ref?: number;
  total?: number;
  seq?: number;
  /** National language identifiers of IEI 0x24 (locking shift) and 0x25 (single shift). */
  lockingShift?: number;
  singleShift?: number;
  /** The message content after the UDH. */
  body: Buffer;
}

/**
 * Parse the User Data Header at the start of short_message (TS 23.040 §9.2.3.24) and pick out a
 * concatenation IE: IEI 0x00 (8-bit reference) or 0x08 (16-bit reference), and the national
 * language shift IEs 0x24 / 0x25. Every IE is
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
    } else if (iei === 0x24 || iei === 0x25) {
      // TS 23.040 §9.2.3.24.15/16: one octet, the national language identifier.
      if (iel !== 1) throw new TextDecodeError('invalid', `national language IE 0x${iei.toString(16)} must be 1 octet`);
      if (iei === 0x24) result.lockingShift = sm[data]!;
      else result.singleShift = sm[data]!;
    }
    i = data + iel;
  }
  return result;
}

/** The GSM tables a parsed UDH announces; a language we have no table for is 'unsupported'. */
export function udhTables(u: Pick<ParsedUdh, 'lockingShift' | 'singleShift'>): Gsm7Tables {
  const pick = (id: number | undefined, what: string) => {
    if (id === undefined || id === 0) return undefined; // 0 = the default tables
    const lang = languageById(id);
    if (!lang) throw new TextDecodeError('unsupported', `no ${what} shift table for national language ${id}`);
    return lang;
  };
  const locking = pick(u.lockingShift, 'locking');
  const single = pick(u.singleShift, 'single');
  return { ...(locking && { locking }), ...(single && { single }) };
}
