import { encodeGsm7, type Gsm7Tables } from './gsm7';
import { LOCKING_SHIFT, type NationalLanguage } from './gsm7-shift-tables';
import { encodeLatin1 } from './latin1';
import { DATA_CODING } from './text';
import { encodeUcs2 } from './ucs2';

/** How a text goes on the wire: `bytes` are unpacked septets for GSM 7-bit. */
export type TextEncoding =
  | { kind: 'gsm7'; dataCoding: 0x00; tables: Gsm7Tables; bytes: Buffer }
  | { kind: 'latin1'; dataCoding: 0x03; bytes: Buffer }
  | { kind: 'ucs2'; dataCoding: 0x08; bytes: Buffer };

export interface EncodingPolicy {
  /** The SMSC accepts data_coding 0x03 (ISO 8859-1). */
  latin1?: boolean;
  /** National language tables the SMSC (and the route's handsets) accept, tried in this order. */
  shiftTables?: readonly NationalLanguage[];
  /** The client's data_coding: an explicit UCS-2 or Latin-1 is kept (where the SMSC takes it). */
  clientDataCoding?: number;
}

/**
 * GSM 7-bit encodings of the text with national tables, fewest tables (UDH IEs) first for each
 * language: single shift, locking shift, both (TS 23.038 Annex A; Spanish has no locking shift
 * table).
 */
export function gsm7Candidates(text: string, languages: readonly NationalLanguage[]): Array<{ tables: Gsm7Tables; bytes: Buffer }> {
  const out: Array<{ tables: Gsm7Tables; bytes: Buffer }> = [];
  for (const lang of languages) {
    const options: Gsm7Tables[] = LOCKING_SHIFT[lang]
      ? [{ single: lang }, { locking: lang }, { locking: lang, single: lang }]
      : [{ single: lang }];
    for (const tables of options) {
      const bytes = encodeGsm7(text, tables);
      if (bytes) out.push({ tables, bytes });
    }
  }
  return out;
}

/**
 * Pick the encoding (SMPP.md "Auto-detect"): the default GSM alphabet when every character is
 * in it; else a national shift table the SMSC allows, the one costing fewest segments
 * (`segmentsOf` knows the UDH each needs); else Latin-1 where the SMSC accepts it; else UCS-2,
 * surrogate pairs and all. A client's explicit UCS-2 is kept, and its Latin-1 where allowed.
 */
export function chooseEncoding(
  text: string,
  policy: EncodingPolicy,
  segmentsOf: (c: { tables: Gsm7Tables; bytes: Buffer }) => number,
): TextEncoding {
  // No closure for the Latin-1 attempt: the builds keep function names (esbuild keepNames), which
  // costs a named closure a defineProperty each time it is made.
  if (policy.clientDataCoding === DATA_CODING.UCS2) return { kind: 'ucs2', dataCoding: 0x08, bytes: encodeUcs2(text) };
  if (policy.clientDataCoding === DATA_CODING.LATIN1) {
    const bytes = policy.latin1 ? encodeLatin1(text) : null;
    if (bytes) return { kind: 'latin1', dataCoding: 0x03, bytes };
  }
  const plain = encodeGsm7(text);
  if (plain) return { kind: 'gsm7', dataCoding: 0x00, tables: {}, bytes: plain };
  let best: { tables: Gsm7Tables; bytes: Buffer; segments: number } | undefined;
  for (const c of gsm7Candidates(text, policy.shiftTables ?? [])) {
    const segments = segmentsOf(c);
    // Strictly fewer segments wins; on a tie the earlier (configured language, fewer IEs) stays.
    if (!best || segments < best.segments) best = { ...c, segments };
  }
  if (best) return { kind: 'gsm7', dataCoding: 0x00, tables: best.tables, bytes: best.bytes };
  const l1 = policy.latin1 ? encodeLatin1(text) : null;
  if (l1) return { kind: 'latin1', dataCoding: 0x03, bytes: l1 };
  return { kind: 'ucs2', dataCoding: 0x08, bytes: encodeUcs2(text) };
}
