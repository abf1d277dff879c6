import { z } from 'zod';
import { durationSchema } from './config-policy';

/**
 * The `delivery:` section: how long messages may wait. Every message gets an expiry when it is
 * accepted — its validity_period, capped by the maximum age counted from acceptance (or from its
 * schedule_delivery_time); without a validity_period the maximum age is its validity. A message
 * not submitted by then ends EXPIRED and is never sent.
 */
export const deliverySchema = z.object({
  /** Default validity and cap of a client's own; `clients[].maxAgeMs` overrides it per client. */
  maxAgeMs: durationSchema.default(48 * 3_600_000),
});
