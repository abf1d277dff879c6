import type { Gsm7Tables } from './gsm7';
import { unpackSeptets } from './gsm7-pack';
import { ESM_CLASS, getTlv, TLV, tlvUint16, tlvUint8, type Tlv } from '@smsgw/smpp';
import { parseUdh, udhTables } from './segment';
import { decodeText } from './text';
import { TextDecodeError } from './text-error';

export interface PartFields {
  esm_class?: number;
  data_coding?: number;
  short_message?: Buffer;
  tlvs?: Tlv[];
}

export interface ReadPart {
  dataCoding: number;
  /** Content without UDH; GSM 7-bit as unpacked septets even when it came packed. */
  body: Buffer;
  /** Concatenation info from a UDH (IEI 0x00/0x08) or from SAR TLVs. */
  concat?: { ref: number; total: number; seq: number };
  tables: Gsm7Tables;
}

const isGsm = (dc: number) => dc === 0x00 || ((dc & 0xf0) === 0xf0 && (dc & 0x04) === 0);

/**
 * What one submit_sm / deliver_sm carries as a message part: message_payload wins over
 * short_message (§5.3.2.32), the UDH is stripped (§5.2.12 UDHI), SAR TLVs (§5.3.2.22–24) stand in
 * for a concatenation IE, and the shift IEs name the GSM tables. `packed`: GSM text is packed
 * septets, with fill bits after a UDH. Malformed input throws TextDecodeError only.
 */
export function readPart(p: PartFields, opts: { packed?: boolean } = {}): ReadPart {
  const dataCoding = p.data_coding ?? 0;
  let body = getTlv(p, TLV.message_payload) ?? p.short_message ?? Buffer.alloc(0);
  let concat: ReadPart['concat'];
  let tables: Gsm7Tables = {};
  let udhLen = 0;
  if ((p.esm_class ?? 0) & ESM_CLASS.UDHI) {
    const u = parseUdh(body);
    body = u.body;
    udhLen = u.udh.length;
    tables = udhTables(u);
    if (u.ref !== undefined) concat = { ref: u.ref, total: u.total!, seq: u.seq! };
  } else {
    const ref = tlvUint16(getTlv(p, TLV.sar_msg_ref_num));
    const total = tlvUint8(getTlv(p, TLV.sar_total_segments));
    const seq = tlvUint8(getTlv(p, TLV.sar_segment_seqnum));
    if (ref !== undefined && total !== undefined && seq !== undefined) {
      if (total === 0 || seq === 0 || seq > total) throw new TextDecodeError('invalid', `SAR part ${seq}/${total}`);
      concat = { ref, total, seq };
    }
  }
  if (opts.packed && isGsm(dataCoding)) body = unpackSeptets(body, udhLen ? (7 - ((udhLen * 8) % 7)) % 7 : 0);
  return { dataCoding, body, concat, tables };
}

/**
 * The text of parts (in order) of one message: bodies are joined before decoding, so a pair a
 * client split between parts still decodes. Shift tables come from the first part.
 */
export function joinParts(parts: readonly ReadPart[]): string {
  if (!parts.length) return '';
  return decodeText(parts[0]!.dataCoding, Buffer.concat(parts.map((p) => p.body)), { tables: parts[0]!.tables });
}
