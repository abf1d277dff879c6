import { capacity, DATA_CODING, decodeText, encodeGsm7, encodeIa5, encodeLatin1, encodeUcs2, packSeptets, type TextEncoding } from '@smsgw/sms-text';

export type ReplacementText = { ok: true; sm: Buffer } | { ok: false; reason: string };

const hex = (dc: number) => `0x${dc.toString(16).padStart(2, '0')}`;
/** How each text data_coding writes a text, and the unit one message's capacity counts in. */
const ENCODERS = new Map<number, { encode: (text: string) => Buffer | null; kind: TextEncoding['kind'] }>([
  [DATA_CODING.SMSC_DEFAULT, { encode: (t) => encodeGsm7(t), kind: 'gsm7' }],
  [DATA_CODING.IA5, { encode: encodeIa5, kind: 'latin1' }],
  [DATA_CODING.LATIN1, { encode: encodeLatin1, kind: 'latin1' }],
  [DATA_CODING.UCS2, { encode: encodeUcs2, kind: 'ucs2' }],
]);

/**
 * The short_message of a replace_sm (§4.10.1) for an SMSC. replace_sm has no data_coding: the
 * SMSC keeps the original submit's, which is not the client's when the sender re-encoded the
 * text for that SMSC (prepare-parts.ts, e.g. a client's UCS-2 that GSM 7-bit can carry). So the
 * client's new bytes are read in the client's data_coding `dc` and written in the SMSC's `sdc`,
 * GSM 7-bit packed for an SMSC that takes it so (`gsmPacked`); the result must fit one message
 * without UDH (160 septets, 140 octets), since replace_sm cannot make the message longer. Binary
 * content the SMSC got as it came goes as it comes. Anything else cannot be replaced.
 */
export function replacementText(sm: Buffer, dc: number, sdc: number, opts: { gsmPacked?: boolean } = {}): ReplacementText {
  if (dc === sdc && !ENCODERS.has(dc)) {
    return sm.length <= capacity('latin1', 0) ? { ok: true, sm } : { ok: false, reason: `${sm.length} octets do not fit one message (${capacity('latin1', 0)})` };
  }
  const target = ENCODERS.get(sdc);
  if (!target) return { ok: false, reason: `the SMSC got the message as data_coding ${hex(sdc)}, not text the new one can be written in` };
  let text: string;
  try {
    text = decodeText(dc, sm);
  } catch (err) {
    return { ok: false, reason: `the new text cannot be read as data_coding ${hex(dc)}: ${(err as Error).message}` };
  }
  // The default GSM alphabet only: a national shift table would need a UDH the message lacks.
  const bytes = target.encode(text);
  if (!bytes) return { ok: false, reason: `the new text cannot be written in data_coding ${hex(sdc)}, which the SMSC keeps` };
  const fits = capacity(target.kind, 0);
  if (bytes.length > fits) {
    const unit = target.kind === 'gsm7' ? 'septets' : 'octets';
    return { ok: false, reason: `the new text needs ${bytes.length} ${unit}; one message holds ${fits}` };
  }
  return { ok: true, sm: target.kind === 'gsm7' && opts.gsmPacked ? packSeptets(bytes) : bytes };
}
