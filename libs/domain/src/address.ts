/** SMPP v3.4 §5.2.5 type_of_number values we act on. */
export const TON = { UNKNOWN: 0, INTERNATIONAL: 1, NATIONAL: 2, NETWORK: 3, SUBSCRIBER: 4, ALPHANUMERIC: 5, ABBREVIATED: 6 } as const;

/** SMPP v3.4 §5.2.6 numbering_plan_indicator: ISDN (E.163/E.164). */
export const NPI_ISDN = 1;

export type NormaliseResult = { ok: true; norm: string } | { ok: false; reason: string };

/** How a client writes national numbers (clients[].defaultCountryCode, clients[].trunkPrefix). */
export interface AddressOptions {
  /** Country calling code (digits, e.g. "44") of the client's national numbers; absent: they are kept as sent. */
  defaultCountryCode?: string;
  /** Prefix a national number is dialled with inside the country (default "0"; "" for none). */
  trunkPrefix?: string;
}

/**
 * Numbers of at most this many digits are short codes (e.g. "12345", "8888"): they are valid
 * only inside one network and never get a country code. No E.164 mobile number is this short,
 * and no short code is longer in the networks we serve.
 */
export const MAX_SHORT_CODE_DIGITS = 6;

const stripFormatting = (a: string) => a.replace(/[\s\-().]/g, '');

/**
 * Normalises an address once, at ingress (ARCHITECTURE.md): international numbers become E.164
 * digits (no '+', no '00'), alphanumeric senders are kept as given (TON 5), other numbers keep
 * their digits. Routing, blacklists and caps use the normalised form; the original is kept.
 *
 * With `defaultCountryCode` national numbers become E.164 too: TON 2 (national, §5.2.5), and TON
 * 0 (unknown) written with the trunk prefix ("07700 900123" in the UK, not "00…", which is the
 * international prefix), lose the trunk prefix and get the country code. Short codes (≤
 * MAX_SHORT_CODE_DIGITS digits), TON 3 network-specific, TON 4 subscriber and TON 6
 * abbreviated numbers stay as they are: none can be written as E.164. Without it, today's rules
 * hold unchanged.
 */
export function normaliseAddress(ton: number, addr: string, role: 'source' | 'destination', opts: AddressOptions = {}): NormaliseResult {
  const a = addr.trim();
  if (!a) return role === 'source' ? { ok: true, norm: '' } : { ok: false, reason: 'empty destination address' };
  if (ton === TON.ALPHANUMERIC) {
    if (role === 'destination') return { ok: false, reason: 'alphanumeric destination address' };
    if (a.length > 11) return { ok: false, reason: 'alphanumeric sender longer than 11 characters' };
    return { ok: true, norm: a };
  }
  let digits = stripFormatting(a);
  const plus = digits.startsWith('+');
  if (plus) digits = digits.slice(1);
  if (!/^[0-9]+$/.test(digits)) {
    // Unknown TON with letters: an alphanumeric sender mislabelled by the client.
    if (role === 'source' && ton === TON.UNKNOWN && a.length <= 11) return { ok: true, norm: a };
    return { ok: false, reason: `${role} address is not numeric` };
  }
  if (isInternationalForm(ton, plus, digits)) {
    if (digits.startsWith('00')) digits = digits.slice(2);
    if (digits.length < 3 || digits.length > 15) return { ok: false, reason: `${role} is not a valid E.164 number` };
    return { ok: true, norm: digits };
  }
  const national = nationalSignificant(ton, digits, opts);
  if (national === undefined) return { ok: true, norm: digits };
  const e164 = opts.defaultCountryCode + national;
  if (national.length === 0 || e164.length > 15) return { ok: false, reason: `${role} is not a valid national number` };
  return { ok: true, norm: e164 };
}

/** TON 1, a '+', or TON 0 with the international prefix "00": already international. */
function isInternationalForm(ton: number, plus: boolean, digits: string): boolean {
  return ton === TON.INTERNATIONAL || plus || (ton === TON.UNKNOWN && digits.startsWith('00'));
}

/**
 * The national significant number (without trunk prefix) of a number the client wrote in
 * national form, or undefined when it is not one (or the client has no defaultCountryCode).
 */
function nationalSignificant(ton: number, digits: string, opts: AddressOptions): string | undefined {
  if (!opts.defaultCountryCode || digits.length <= MAX_SHORT_CODE_DIGITS) return undefined;
  const trunk = opts.trunkPrefix ?? '0';
  if (ton === TON.NATIONAL) return trunk && digits.startsWith(trunk) ? digits.slice(trunk.length) : digits;
  // TON 0: only the trunk prefix says it is national; digits without it may be anything
  // (often an international number without '+'), so they are kept.
  if (ton === TON.UNKNOWN && trunk && digits.startsWith(trunk)) return digits.slice(trunk.length);
  return undefined;
}

/** An address of an `in` entry: as the client sent it, and normalised. */
export interface EntryAddress {
  ton: number;
  npi: number;
  addr: string;
  norm: string;
}

/**
 * True when `norm` is an E.164 number: the client wrote it internationally, or normalisation
 * gave a national number its country code — then its digits differ from what the client sent
 * (a country code never starts with 0, so prefixing one cannot give the same digits back).
 * Numbers kept as they came (short codes, national numbers of a client without
 * defaultCountryCode, TON 0 digits without a prefix, TON 3/4/6) are not known to be E.164.
 */
export function isE164Norm(a: EntryAddress): boolean {
  if (a.ton === TON.ALPHANUMERIC || !/^[0-9]+$/.test(a.norm)) return false;
  let digits = stripFormatting(a.addr.trim());
  const plus = digits.startsWith('+');
  if (plus) digits = digits.slice(1);
  return isInternationalForm(a.ton, plus, digits) || digits !== a.norm;
}

/** How an SMSC wants addresses (smscs[].addressFormat, countryCode, trunkPrefix). */
export interface SmscAddressing {
  format: 'international' | 'national' | 'as-received';
  /** With `national`: the SMSC's country; numbers of other countries stay international. */
  countryCode?: string;
  /** With `national`: the prefix national numbers are written with (default "0"). */
  trunkPrefix?: string;
}

export interface SmscAddress {
  ton: number;
  npi: number;
  addr: string;
}

/**
 * An address of a message as the SMSC gets it, built from what the policy checked (`norm`):
 * - `as-received`: as the client sent it (TON, NPI and text unchanged);
 * - `international`: an E.164 number as its digits with TON 1 NPI 1 (§5.2.5, §5.2.6);
 * - `national`: an E.164 number of the SMSC's country as trunk prefix + national significant
 *   number with TON 2 NPI 1; of another country as `international`.
 * A number that is not E.164 (short code, national without a country code) goes as the digits
 * the policy checked with the client's TON and NPI. An alphanumeric sender is never changed.
 */
export function smscAddress(a: EntryAddress, fmt: SmscAddressing | undefined): SmscAddress {
  const asReceived = { ton: a.ton, npi: a.npi, addr: a.addr };
  if (!fmt || fmt.format === 'as-received') return asReceived;
  if (a.ton === TON.ALPHANUMERIC || !/^[0-9]+$/.test(a.norm)) return asReceived;
  if (!isE164Norm(a)) return { ton: a.ton, npi: a.npi, addr: a.norm };
  const cc = fmt.countryCode;
  if (fmt.format === 'national' && cc && a.norm.startsWith(cc) && a.norm.length > cc.length) {
    return { ton: TON.NATIONAL, npi: NPI_ISDN, addr: (fmt.trunkPrefix ?? '0') + a.norm.slice(cc.length) };
  }
  return { ton: TON.INTERNATIONAL, npi: NPI_ISDN, addr: a.norm };
}
