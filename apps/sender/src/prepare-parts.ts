import type { OutEntry } from '@smsgw/contracts';
import { decodeText, splitText } from '@smsgw/smpp';

export interface PreparedMessage {
  dataCoding: number;
  esmClass: number;
  parts: Buffer[];
}

const TEXT_CODINGS = new Set([0x00, 0x01, 0x03, 0x08]);

/**
 * The parts to submit for one message. Text is re-encoded for the SMSC: GSM 7-bit (data_coding
 * 0) when every character has a GSM code, else UCS-2, split with an 8-bit reference UDH when
 * it needs more than one segment. A client's own UDH, binary data, or text we cannot decode
 * goes through byte for byte with the client's data_coding and esm_class.
 */
export function prepareParts(m: OutEntry, ref: number): PreparedMessage {
  const bytes = Buffer.from(m.sm, 'base64');
  const raw = (): PreparedMessage => ({ dataCoding: m.dc, esmClass: m.esm, parts: [bytes] });
  if (m.esm & 0x40 || !TEXT_CODINGS.has(m.dc)) return raw();
  let text: string;
  try {
    text = decodeText(m.dc, bytes);
  } catch {
    return raw();
  }
  const split = splitText(text, { ref });
  return { dataCoding: split.dataCoding, esmClass: split.udh ? 0x40 : 0, parts: split.parts };
}
