import { z } from 'zod';
import { durationSchema } from './config-policy';

/**
 * The `delivery:` section: how long messages may wait. Every message gets an expiry when it is
 * accepted — its validity_period, capped by the maximum age counted from acceptance (or from its
 * schedule_delivery_time); without a validity_period the maximum age is its validity. A message
 * not submitted by then ends EXPIRED and is never sent.
 */
export const deliverySchema = z.strictObject({
  /** Default validity and cap of a client's own; `clients[].maxAgeMs` overrides it per client. */
  maxAgeMs: durationSchema.default(48 * 3_600_000),
  /**
   * A part the SMSC answered with a `retry` status (smscs[].errors) goes again after a backoff
   * from minMs doubling to maxMs; after maxAttempts such answers the message ends UNDELIVERABLE
   * (0 = retried until it expires).
   */
  retry: z
    .strictObject({
      minMs: durationSchema.default(50),
      maxMs: durationSchema.default(5_000),
      maxAttempts: z.number().int().min(0).default(0),
    })
    .prefault({})
    .refine((r) => r.minMs <= r.maxMs, { message: 'minMs must not exceed maxMs', path: ['minMs'] }),
  /** How long a sender's claim on a message lasts (renewed while it waits); a crashed sender's messages go out again after it. */
  leaseMs: durationSchema.default(120_000),
  /** Read batches of each pool a sender works on at once. */
  senderConcurrency: z.number().int().min(1).max(64).default(4),
});

const status = z.number().int().min(0).max(0xffffffff);

/** `smscs[].errors`: submit_sm_resp statuses moved to another class than SMPP's defaults. */
export const smscErrorsSchema = z
  .strictObject({
    retry: z.array(status).default([]),
    throttle: z.array(status).default([]),
    permanent: z.array(status).default([]),
  })
  .superRefine((e, ctx) => {
    const seen = new Map<number, string>();
    for (const cls of ['retry', 'throttle', 'permanent'] as const) {
      e[cls].forEach((s, i) => {
        const other = seen.get(s);
        if (other) ctx.addIssue({ code: 'custom', message: `status 0x${s.toString(16)} is listed under ${other} too`, path: [cls, i] });
        seen.set(s, cls);
      });
    }
  });
