import { z } from 'zod';

/**
 * Per-SMSC text options (`smscs[].text`): how the sender encodes and splits text for this
 * SMSC. Every field has a default, so a config without `text` behaves as before: GSM 7-bit
 * unpacked or UCS-2, long messages with an 8-bit reference UDH.
 */
export const smscTextSchema = z
  .strictObject({
    /**
     * Long messages: `udh8` / `udh16` concatenation UDH (IEI 0x00 / 0x08, TS 23.040
     * §9.2.3.24.1/.8), `sar` TLVs (SMPP v3.4 §5.3.2.22–24), or `payload` (the whole text in one
     * submit_sm's message_payload, §5.3.2.32).
     */
    segmentation: z.enum(['udh8', 'udh16', 'sar', 'payload']).default('udh8'),
    /** The SMSC accepts data_coding 0x03 (ISO 8859-1): used for non-GSM text that fits it. */
    latin1: z.boolean().default(false),
    /**
     * National language shift tables (TS 23.038 Annex A) the SMSC passes on, tried in order when
     * a text is not in the default GSM alphabet. They are announced in the UDH, so they need
     * `udh8` or `udh16`.
     */
    shiftTables: z.array(z.enum(['turkish', 'spanish', 'portuguese'])).default([]),
    /** GSM 7-bit text as packed septets (most SMSCs take one septet per octet, the default). */
    gsmPacked: z.boolean().default(false),
    /**
     * A client's explicit UCS-2 (data_coding 0x08) is kept by default. With this on it is
     * re-encoded like any text — default GSM alphabet, shift table, Latin-1 — when that is
     * cheaper: how Turkish or Portuguese text, which clients send as UCS-2, gets the shift tables.
     */
    reencodeUcs2: z.boolean().default(false),
  })
  .refine((t) => t.shiftTables.length === 0 || t.segmentation === 'udh8' || t.segmentation === 'udh16', {
    message: 'shiftTables need a UDH: set segmentation to udh8 or udh16',
    path: ['shiftTables'],
  });

export type SmscTextConfig = z.infer<typeof smscTextSchema>;
