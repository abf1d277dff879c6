import type { OutEntry } from '@smsgw/contracts';
import type { SmscTextConfig } from '@smsgw/platform';
import { TLV, type Tlv } from '@smsgw/smpp';
import { decodeText, segmentForSmsc } from '@smsgw/sms-text';

export interface PreparedMessage {
  dataCoding: number;
  esmClass: number;
  /** short_message of each submit_sm (empty when the part travels in `tlvs` as message_payload). */
  parts: Buffer[];
  /** Optional TLVs of each part: SAR TLVs, or message_payload in payload mode. */
  tlvs?: Tlv[][];
  /** Segments on the air interface (payload mode: those the SMSC will make of one submit). */
  segments: number;
}

const TEXT_CODINGS = new Set([0x00, 0x01, 0x03, 0x08]);

const DEFAULT_TEXT: SmscTextConfig = { segmentation: 'udh8', latin1: false, shiftTables: [], gsmPacked: false, reencodeUcs2: false };

/**
 * The parts to submit for one message on an SMSC with the given text options. Text is
 * re-encoded for the SMSC: the default GSM alphabet, else an allowed national shift table,
 * else Latin-1 where allowed, else UCS-2 (a client's explicit UCS-2 — unless `reencodeUcs2` — and
 * Latin-1 where allowed are kept), then
 * split in the SMSC's segmentation mode with reference `ref` (rotating per destination). A
 * client's own UDH, binary data, or text we cannot decode goes through byte for byte with the
 * client's data_coding and esm_class.
 */
export function prepareParts(m: OutEntry, ref: number, text: SmscTextConfig = DEFAULT_TEXT): PreparedMessage {
  const bytes = Buffer.from(m.sm, 'base64');
  const raw = (): PreparedMessage => ({ dataCoding: m.dc, esmClass: m.esm, parts: [bytes], segments: 1 });
  // A part the client cut with SAR TLVs goes as it came, with its SAR TLVs (SMPP v3.4 §5.3.2.22-24).
  if (m.sar) {
    const sar = [
      { tag: TLV.sar_msg_ref_num, value: Buffer.from([m.sar.ref >> 8, m.sar.ref & 0xff]) },
      { tag: TLV.sar_total_segments, value: Buffer.from([m.sar.total]) },
      { tag: TLV.sar_segment_seqnum, value: Buffer.from([m.sar.seq]) },
    ];
    return { ...raw(), tlvs: [sar] };
  }
  if (m.esm & 0x40 || !TEXT_CODINGS.has(m.dc)) return raw();
  let decoded: string;
  try {
    decoded = decodeText(m.dc, bytes);
  } catch {
    return raw();
  }
  const s = segmentForSmsc(decoded, m.dc, ref, text);
  return {
    dataCoding: s.dataCoding,
    esmClass: s.esmClass,
    parts: s.parts.map((p) => p.sm),
    tlvs: s.parts.map((p) => p.tlvs),
    segments: s.segments,
  };
}
