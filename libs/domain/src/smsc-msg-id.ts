export type SmscIdFormat = 'text' | 'dec' | 'hex';

/**
 * One key form for an SMSC message id, whatever way the SMSC wrote it (SMPP.md: decimal or hex,
 * any case, leading zeros; some SMSCs use another base in receipts than in submit_sm_resp).
 * A decimal or hex id becomes lowercase hex of its value, so "255" (dec) and "FF" (hex) meet;
 * 'text' ids are compared as text with case and leading zeros folded. An id that does not fit
 * its declared base falls back to text: never an error, since the SMSC is not ours to fix.
 */
export function normaliseSmscMsgId(id: string, format: SmscIdFormat = 'text'): string {
  const t = id.trim();
  if (format === 'dec' && /^[0-9]+$/.test(t)) return BigInt(t).toString(16);
  if (format === 'hex' && /^[0-9a-fA-F]+$/.test(t)) return BigInt(`0x${t}`).toString(16);
  return t.toLowerCase().replace(/^0+(?=.)/, '');
}
