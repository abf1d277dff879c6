import { z } from 'zod';
import { durationSchema } from './config-policy';

/** A country calling code: 1–3 digits, never starting with 0 (ITU-T E.164). */
const countryCode = z.string().regex(/^[1-9][0-9]{0,2}$/, 'a country calling code: 1–3 digits, not starting with 0');
/** The prefix national numbers are dialled with ("0" in most countries, "8" in some, "" in a few). */
const trunkPrefix = z.string().regex(/^[0-9]{0,2}$/, 'at most 2 digits');

/**
 * Idempotent resubmission of a client (opt-in): a submit repeated within `windowMs` with the
 * same key gets the first message's id back and queues nothing.
 */
export const idempotencySchema = z.strictObject({
  /**
   * What makes two submits the same: `user_message_reference` — the TLV (0x0204) with the source
   * and destination as sent (submits without the TLV are never deduplicated);
   * `source+destination+text` — the addresses, data_coding and the message body.
   */
  key: z.enum(['user_message_reference', 'source+destination+text']).default('user_message_reference'),
  /** How long a submit is remembered (a duration: 10m, 1h, or ms), at most a day. */
  windowMs: durationSchema.refine((v) => v <= 86_400_000, 'at most 1d').default(600_000),
});

/** clients[] keys of addressing and resubmission (spread into the client schema). */
export const clientAddressingFields = {
  /** The country of this client's national numbers (TON 2, or TON 0 with the trunk prefix): they become E.164. */
  defaultCountryCode: countryCode.optional(),
  trunkPrefix: trunkPrefix.default('0'),
  idempotency: idempotencySchema.optional(),
};

/** smscs[] keys of addressing (spread into the SMSC schema; see `smscAddressingRefine`). */
export const smscAddressingFields = {
  /**
   * How this SMSC gets numbers: `international` (E.164, TON 1 NPI 1), `national` (numbers of
   * `countryCode` with `trunkPrefix`, TON 2 NPI 1; others international) or `as-received`.
   */
  addressFormat: z.enum(['international', 'national', 'as-received']).default('as-received'),
  countryCode: countryCode.optional(),
  trunkPrefix: trunkPrefix.default('0'),
};

/** `national` needs to know which numbers are national: countryCode is required with it. */
export const smscAddressingCheck = (s: { addressFormat: string; countryCode?: string }) => s.addressFormat !== 'national' || s.countryCode !== undefined;
export const smscAddressingIssue: { message: string; path: string[] } = {
  message: 'smscs[].countryCode is required when addressFormat is national',
  path: ['countryCode'],
};
