import { chooseEncoding, type EncodingPolicy, type TextEncoding } from './encoding-choice';
import type { Gsm7Tables } from './gsm7';
import { packSeptets } from './gsm7-pack';
import { NATIONAL_LANGUAGE_ID } from './gsm7-shift-tables';
import { ESM_CLASS, TLV, uint16Tlv, uint8Tlv, type Tlv } from '@smsgw/smpp';
import { isHighSurrogateAt } from './ucs2';

/**
 * How a long message reaches the SMSC (SMPP.md "Long messages"): a concatenation UDH with an
 * 8-bit (IEI 0x00) or 16-bit (IEI 0x08) reference; SAR TLVs (SMPP v3.4 §5.3.2.22–24), the SMSC
 * building the UDH; or the whole text in one submit_sm's message_payload (§5.3.2.32).
 */
export type SegmentationMode = 'udh8' | 'udh16' | 'sar' | 'payload';

export interface SegmentOptions extends EncodingPolicy {
  mode?: SegmentationMode;
  /** Concatenation reference: the low 8 bits for udh8, 16 bits for udh16 and SAR. */
  ref: number;
  /** GSM 7-bit text as packed septets (default: one septet per octet, the SMPP norm). */
  packed?: boolean;
}

export interface SegmentedPart {
  /** short_message, UDH included; empty when the text travels in a message_payload TLV. */
  sm: Buffer;
  tlvs: Tlv[];
}

export interface Segmented {
  dataCoding: number;
  esmClass: number;
  parts: SegmentedPart[];
  /** Segments on the air interface; in payload mode those the SMSC will make. */
  segments: number;
  encoding: TextEncoding['kind'];
  tables: Gsm7Tables;
}

/** The air interface carries 140 octets of user data (TS 23.040 §9.2.3.24). */
const AIR_OCTETS = 140;
const ESC = 0x1b;
/** Most parts a concatenation IE or sar_total_segments can count. */
const MAX_PARTS = 255;
const MAX_PAYLOAD = 0xffff;

/** UDH octets (UDHL included) a part carries: concatenation IE (5 or 6) + 3 per shift IE. */
function udhOctets(concat: 0 | 5 | 6, tables: Gsm7Tables): number {
  const shiftIes = (tables.locking ? 1 : 0) + (tables.single ? 1 : 0);
  const ies = concat + 3 * shiftIes;
  return ies ? 1 + ies : 0;
}

/**
 * Body capacity in the units of `bytes` (unpacked septets, octets, UCS-2 octets) after a UDH:
 * 160/153/152 septets, 140/134/133 octets, 70/67/66 UCS-2 units without / 8-bit / 16-bit
 * reference, less with shift IEs (e.g. one IE: 155 alone, 149 with an 8-bit reference).
 */
export function capacity(kind: TextEncoding['kind'], udh: number): number {
  const octets = AIR_OCTETS - udh;
  if (kind === 'gsm7') return Math.floor((octets * 8) / 7);
  if (kind === 'ucs2') return octets - (octets % 2);
  return octets;
}

/** Cut at most `size` units per chunk, never inside an escape pair or a surrogate pair. */
function cut(kind: TextEncoding['kind'], bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    let end = Math.min(i + size, bytes.length);
    if (end < bytes.length) {
      // Escaped codes are never 0x1B, so an ESC just before the cut is the first of a pair.
      if (kind === 'gsm7' && bytes[end - 1] === ESC) end -= 1;
      else if (kind === 'ucs2' && isHighSurrogateAt(bytes, end - 2)) end -= 2;
    }
    chunks.push(bytes.subarray(i, end));
    i = end;
  }
  return chunks;
}

function shiftIes(tables: Gsm7Tables): number[] {
  const ies: number[] = [];
  // TS 23.040 §9.2.3.24.15 (0x24 locking) and §9.2.3.24.16 (0x25 single shift), 1 octet each.
  if (tables.locking) ies.push(0x24, 1, NATIONAL_LANGUAGE_ID[tables.locking]);
  if (tables.single) ies.push(0x25, 1, NATIONAL_LANGUAGE_ID[tables.single]);
  return ies;
}

function body(enc: TextEncoding, chunk: Buffer, udh: number, packed: boolean): Buffer {
  if (enc.kind !== 'gsm7' || !packed) return chunk;
  // Septets after a UDH start on a septet boundary: fill bits first (TS 23.040 §9.2.3.24).
  return packSeptets(chunk, udh ? (7 - ((udh * 8) % 7)) % 7 : 0);
}

function layout(enc: TextEncoding, mode: SegmentationMode) {
  const withTables = enc.kind === 'gsm7' ? enc.tables : {};
  const single = udhOctets(0, withTables);
  // SAR and payload: the SMSC adds an 8-bit-reference UDH to each segment it sends.
  const concat = mode === 'udh16' ? udhOctets(6, withTables) : mode === 'udh8' ? udhOctets(5, withTables) : udhOctets(5, {});
  return { single, concat, singleCap: capacity(enc.kind, single), partCap: capacity(enc.kind, concat) };
}

/** Segments `enc` needs in `mode` (payload: as the SMSC will split it). */
export function segmentCount(enc: TextEncoding, mode: SegmentationMode): number {
  const l = layout(enc, mode);
  if (enc.bytes.length <= l.singleCap) return 1;
  return cut(enc.kind, enc.bytes, l.partCap).length;
}

/** Encode (see chooseEncoding) and split a text for submit_sm in the given mode. */
export function segmentText(text: string, opts: SegmentOptions): Segmented {
  const mode = opts.mode ?? 'udh8';
  // Shift tables are announced in a UDH, so SAR and payload mode cannot use them.
  const policy: EncodingPolicy = {
    latin1: opts.latin1,
    shiftTables: mode === 'udh8' || mode === 'udh16' ? opts.shiftTables : [],
    clientDataCoding: opts.clientDataCoding,
  };
  const enc = chooseEncoding(text, policy, (c) => segmentCount({ kind: 'gsm7', dataCoding: 0, ...c }, mode));
  // The encoding was made here for this result: a single part may be its octets, uncopied.
  return segment(enc, mode, opts, false);
}

export function segmentEncoded(enc: TextEncoding, opts: SegmentOptions): Segmented {
  return segment(enc, opts.mode ?? 'udh8', opts, true);
}

function segment(enc: TextEncoding, mode: SegmentationMode, opts: SegmentOptions, copy: boolean): Segmented {
  const packed = !!opts.packed;
  const tables = enc.kind === 'gsm7' ? enc.tables : {};
  // Most messages: one part and no shift tables, so no UDH to build and nothing to cut.
  if (!tables.locking && !tables.single && enc.bytes.length <= capacity(enc.kind, 0)) {
    const sm = enc.kind === 'gsm7' && packed ? packSeptets(enc.bytes, 0) : copy ? Buffer.from(enc.bytes) : enc.bytes;
    return { dataCoding: enc.dataCoding, encoding: enc.kind, tables, esmClass: 0, parts: [{ sm, tlvs: [] }], segments: 1 };
  }
  const l = layout(enc, mode);
  // A literal per result (a spread of a base object plus more properties is slow on Node 20).
  const made = (esmClass: number, parts: Segmented['parts'], segments: number): Segmented => ({ dataCoding: enc.dataCoding, encoding: enc.kind, tables, esmClass, parts, segments });
  const nli = shiftIes(tables);
  if (enc.bytes.length <= l.singleCap) {
    const udh = nli.length ? Buffer.from([nli.length, ...nli]) : Buffer.alloc(0);
    const sm = Buffer.concat([udh, body(enc, enc.bytes, l.single, packed)]);
    return made(nli.length ? ESM_CLASS.UDHI : 0, [{ sm, tlvs: [] }], 1);
  }
  const chunks = cut(enc.kind, enc.bytes, l.partCap);
  if (mode === 'payload') {
    const payload = body(enc, enc.bytes, 0, packed);
    if (payload.length > MAX_PAYLOAD) throw new RangeError(`text needs ${payload.length} octets; message_payload holds ${MAX_PAYLOAD}`);
    return made(0, [{ sm: Buffer.alloc(0), tlvs: [{ tag: TLV.message_payload, value: payload }] }], chunks.length);
  }
  if (chunks.length > MAX_PARTS) throw new RangeError(`text needs ${chunks.length} parts; at most ${MAX_PARTS} fit`);
  const total = chunks.length;
  if (mode === 'sar') {
    const ref = opts.ref & 0xffff;
    const parts = chunks.map((c, i) => ({
      sm: body(enc, c, 0, packed),
      tlvs: [uint16Tlv(TLV.sar_msg_ref_num, ref), uint8Tlv(TLV.sar_total_segments, total), uint8Tlv(TLV.sar_segment_seqnum, i + 1)],
    }));
    return made(0, parts, total);
  }
  const concatIe = (seq: number) =>
    mode === 'udh16' ? [0x08, 4, (opts.ref >> 8) & 0xff, opts.ref & 0xff, total, seq] : [0x00, 3, opts.ref & 0xff, total, seq];
  const parts = chunks.map((c, i) => {
    const ies = [...concatIe(i + 1), ...nli];
    return { sm: Buffer.concat([Buffer.from([ies.length, ...ies]), body(enc, c, l.concat, packed)]), tlvs: [] };
  });
  return made(ESM_CLASS.UDHI, parts, total);
}
