/** SMPP v3.4 §5.2.5 type_of_number values we act on. */
export const TON = { UNKNOWN: 0, INTERNATIONAL: 1, NATIONAL: 2, NETWORK: 3, SUBSCRIBER: 4, ALPHANUMERIC: 5, ABBREVIATED: 6 } as const;

export type NormaliseResult = { ok: true; norm: string } | { ok: false; reason: string };

/**
 * Normalises an address once, at ingress (ARCHITECTURE.md): international numbers become E.164
 * digits (no '+', no '00'), alphanumeric senders are kept as given (TON 5), other numbers keep
 * their digits. Routing, blacklists and caps use the normalised form; the original is kept.
 */
export function normaliseAddress(ton: number, addr: string, role: 'source' | 'destination'): NormaliseResult {
  const a = addr.trim();
  if (!a) return role === 'source' ? { ok: true, norm: '' } : { ok: false, reason: 'empty destination address' };
  if (ton === TON.ALPHANUMERIC) {
    if (role === 'destination') return { ok: false, reason: 'alphanumeric destination address' };
    if (a.length > 11) return { ok: false, reason: 'alphanumeric sender longer than 11 characters' };
    return { ok: true, norm: a };
  }
  let digits = a.replace(/[\s\-().]/g, '');
  const plus = digits.startsWith('+');
  if (plus) digits = digits.slice(1);
  if (!/^[0-9]+$/.test(digits)) {
    // Unknown TON with letters: an alphanumeric sender mislabelled by the client.
    if (role === 'source' && ton === TON.UNKNOWN && a.length <= 11) return { ok: true, norm: a };
    return { ok: false, reason: `${role} address is not numeric` };
  }
  if (ton === TON.INTERNATIONAL || plus || (ton === TON.UNKNOWN && digits.startsWith('00'))) {
    if (digits.startsWith('00')) digits = digits.slice(2);
    if (digits.length < 3 || digits.length > 15) return { ok: false, reason: `${role} is not a valid E.164 number` };
  }
  return { ok: true, norm: digits };
}
