import { MAX_SHORT_CODE_DIGITS, TON, type EntryAddress, type SmscAddress } from './address';

/**
 * An address rebuilt from a normalised one, for the message record keeps the normalised numbers
 * only: E.164 digits go back as international (TON 1, NPI 1), short codes as TON 0 (unknown:
 * nothing says more), anything else is an alphanumeric sender (TON 5, NPI 0, §5.2.5).
 */
export function addressOfNorm(norm: string): SmscAddress {
  if (!/^[0-9]+$/.test(norm)) return { ton: TON.ALPHANUMERIC, npi: 0, addr: norm };
  return norm.length <= MAX_SHORT_CODE_DIGITS ? { ton: TON.UNKNOWN, npi: 1, addr: norm } : { ton: TON.INTERNATIONAL, npi: 1, addr: norm };
}

/** The same as an `EntryAddress` (what smscAddress takes), so a record's address can be sent to an SMSC. */
export const entryAddressOfNorm = (norm: string): EntryAddress => ({ ...addressOfNorm(norm), norm });
