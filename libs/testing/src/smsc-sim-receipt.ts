import type { Pdu, PduInit, SmppSession } from '@smsgw/smpp';
import { encodeGsm7, formatReceiptText } from '@smsgw/sms-text';
import type { SimPending } from './sim-cancel-replace';

/**
 * ASCII characters whose GSM 7-bit default-alphabet septet (3GPP TS 23.038 §6.2.1) is their own
 * code: letters, digits, space, CR, LF and most punctuation — not `@ $ _ [ \ ] ^ { | } ~ \``.
 * For a string of only these, the unpacked septets are its latin1 octets.
 */
const SAME_IN_GSM7 = (() => {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const septets = encodeGsm7(String.fromCharCode(c));
    t[c] = septets?.length === 1 && septets[0] === c ? 1 : 0;
  }
  return t;
})();

/** True when every character of s[0, end) is in SAME_IN_GSM7. */
export function isGsm7Ascii(s: string, end = s.length): boolean {
  const n = Math.min(end, s.length);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || SAME_IN_GSM7[c] === 0) return false;
  }
  return true;
}


/** The receipt carries the first 20 characters; replace what GSM cannot show. */
function gsmSafe(text: string): string {
  // The usual case (plain ASCII) is already safe: the characters formatReceiptText keeps, as they are.
  if (isGsm7Ascii(text, 20)) return text.length > 20 ? text.slice(0, 20) : text;
  return Array.from(text.slice(0, 40))
    .map((ch) => (encodeGsm7(ch) ? ch : '?'))
    .join('');
}

/** The Appendix B text of a DELIVRD receipt, as the octets of short_message / message_payload. */
export function deliveredReceiptText(id: string, text: string, submitDate: Date, doneDate: Date): Buffer {
  const safe = gsmSafe(text);
  const body = formatReceiptText({ id, submitDate, doneDate, stat: 'DELIVRD', err: 0, text: safe });
  // The rest of the text is digits, letters, blanks and colons: the id and the text decide.
  if (isGsm7Ascii(id) && isGsm7Ascii(safe)) return Buffer.from(body, 'latin1');
  return encodeGsm7(body) ?? Buffer.from(body, 'latin1');
}

/** A receipt PDU for a submit: the id the receipt carries, the text it shows, when the submit came. */
export type ReceiptBuilder = (submit: Pdu, receiptId: string, text: string, submitDate: Date) => PduInit;

/**
 * A message whose receipt is on its way: the receipt (waiting, then sent, retried when refused)
 * and, the same object so that a message costs one record, its pending entry that cancel_sm and
 * replace_sm find.
 */
export class SimReceipt implements SimPending {
  attempts = 0;
  /** Found cancelled when it came due: its duplicate does not go either. */
  cancelled = false;
  pdu: PduInit;

  constructor(
    readonly systemId: string,
    /** The session the submit came in on: it gets the receipt when it can. */
    readonly session: SmppSession,
    readonly smscMsgId: string,
    readonly submit: Pdu,
    private readonly receiptId: string,
    private readonly at: number,
    private readonly build: ReceiptBuilder,
    text: string,
  ) {
    this.pdu = build(submit, receiptId, text, new Date(at));
  }

  /** After a replace_sm the receipt shows the new text. */
  retext(text: string): void {
    this.pdu = this.build(this.submit, this.receiptId, text, new Date(this.at));
  }
}
