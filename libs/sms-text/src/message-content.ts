import { parseUdh, splitText } from './segment';
import { decodeText } from './text';

/**
 * The content of a submitted message as the stream entries carry it (structurally the `in`
 * entry's fields): short_message in base64, esm_class, data_coding and SAR TLVs if the client
 * cut the message itself.
 */
export interface MessageContent {
  sm: string;
  esm: number;
  dc: number;
  sar?: { ref: number; total: number; seq: number };
}

/** esm_class bit 6: short_message starts with a User Data Header (SMPP v3.4 §5.2.12). */
const UDHI = 0x40;
/** Octets of one binary message, and of one part once the 6-octet concatenation UDH is in. */
const BINARY_SINGLE = 140;
const BINARY_PART = 134;

function body(m: MessageContent): Buffer {
  const sm = Buffer.from(m.sm, 'base64');
  if ((m.esm & UDHI) === 0 || sm.length === 0) return sm;
  return sm.subarray(Math.min(sm[0]! + 1, sm.length));
}

/** The decoded text (without UDH), or null when the content is binary or undecodable. */
export function messageText(m: MessageContent): string | null {
  try {
    return decodeText(m.dc, body(m));
  } catch {
    return null;
  }
}

/**
 * Segments the message takes on the air: a part the client already cut (UDH present) is one;
 * text is counted as the sender will cut it; binary content by octets.
 */
export function messageSegments(m: MessageContent, text: string | null = messageText(m)): number {
  if ((m.esm & UDHI) !== 0) return 1;
  if (text !== null) {
    try {
      return splitText(text, { ref: 0 }).parts.length;
    } catch {
      return 256; // more than a UDH can number: over any max-segments rule
    }
  }
  const n = body(m).length;
  return n <= BINARY_SINGLE ? 1 : Math.ceil(n / BINARY_PART);
}

/**
 * The concatenation of a part the client cut itself — from its UDH (IEI 0x00/0x08) or its SAR
 * TLVs — or null for a whole message. A UDH we cannot read makes the entry a whole message:
 * it goes on unchanged.
 */
export function concatInfo(m: MessageContent): { ref: number; total: number; seq: number } | null {
  if (m.sar) return m.sar.total > 1 ? m.sar : null;
  if ((m.esm & UDHI) === 0) return null;
  try {
    const u = parseUdh(Buffer.from(m.sm, 'base64'));
    return u.ref !== undefined && u.total !== undefined && u.seq !== undefined && u.total > 1 ? { ref: u.ref, total: u.total, seq: u.seq } : null;
  } catch {
    return null;
  }
}
