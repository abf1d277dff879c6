import { contentPatternError } from '@smsgw/domain';
import { z } from 'zod';

/**
 * The `policy:` section (MCP). Every default passes: the four stages are on, but with no list
 * entry, no rule and no limit configured none of them rejects anything, so a fresh install
 * delivers and an operator turns enforcement on.
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** "10m", "1d", "1w" or a number of ms → ms. */
export const durationSchema = z
  .union([z.number().int().min(1), z.string().regex(/^\d+(ms|s|m|h|d|w)$/, 'a duration like 30s, 10m, 1h, 1d, 1w')])
  .transform((v) => {
    if (typeof v === 'number') return v;
    const [, n, unit] = /^(\d+)(ms|s|m|h|d|w)$/.exec(v)!;
    return Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
  })
  .refine((v) => v >= 1, 'must be at least 1 ms');

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM');
const digitPrefix = z.string().regex(/^[0-9]*$/, 'digits only');

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as Europe/London');

const contentDeny = z
  .strictObject({
    type: z.literal('content-deny'),
    pattern: z.string().min(1).optional(),
    flags: z.string().regex(/^[imsu]*$/, 'only the regex flags i m s u').default(''),
    /** Whole words or phrases, matched case-insensitively. */
    keywords: z.array(z.string().min(1)).default([]),
  })
  .refine((r) => r.pattern !== undefined || r.keywords.length > 0, 'content-deny needs a pattern or keywords')
  // Patterns run on RE2 (linear time on client text): one it cannot compile — a syntax error,
  // a backreference, lookaround — is refused here, naming the field.
  .superRefine((r, ctx) => {
    const why = r.pattern === undefined ? null : contentPatternError(r.pattern, r.flags);
    if (why) ctx.addIssue({ code: 'custom', message: `pattern ${why}`, path: ['pattern'] });
  });

const quietHours = z.strictObject({
  type: z.literal('quiet-hours'),
  /** Destination prefixes the window applies to; [""] = every destination. */
  prefixes: z.array(digitPrefix).min(1).default(['']),
  timezone: timeZone,
  from: hhmm,
  to: hhmm,
  /** defer: the message waits until the window ends; reject: it is refused. */
  action: z.enum(['defer', 'reject']).default('defer'),
});

const frequencyCap = z.strictObject({
  type: z.literal('frequency-cap'),
  per: z.literal('recipient').default('recipient'),
  max: z.number().int().min(1),
  window: durationSchema.refine((v) => v <= 31 * UNIT_MS.d, 'at most 31d'),
});

const duplicateWindow = z.strictObject({
  type: z.literal('duplicate-window'),
  window: durationSchema.refine((v) => v <= 7 * UNIT_MS.d, 'at most 7d'),
});

const maxSegments = z.strictObject({ type: z.literal('max-segments'), max: z.number().int().min(1).max(255) });

const dataCoding = z.strictObject({ type: z.literal('data-coding'), allow: z.array(z.number().int().min(0).max(255)).min(1) });

export const policyRuleSchema = z.union([contentDeny, quietHours, frequencyCap, duplicateWindow, maxSegments, dataCoding]);

const stageSwitches = z.strictObject({
  registration: z.boolean().optional(),
  blacklist: z.boolean().optional(),
  'business-rules': z.boolean().optional(),
  authorization: z.boolean().optional(),
});

const quota = z.strictObject({
  /** Messages per calendar day / month in `timezone`; 0 = no limit. */
  day: z.number().int().min(0).optional(),
  month: z.number().int().min(0).optional(),
  timezone: timeZone.optional(),
});

const authorization = z.strictObject({
  /** Destination prefixes the client may send to; absent or [] = any. */
  prefixes: z.array(digitPrefix).optional(),
  /** Pools (routes) the client may use; absent or [] = any. */
  pools: z.array(z.string()).optional(),
  quota: quota.optional(),
});

const registration = z.strictObject({
  /** The sender ID must be in the client's `senders` list. */
  senders: z.boolean().optional(),
  /** The destination must be in the client's `optin` list. */
  optIn: z.boolean().optional(),
});

export const clientPolicySchema = z.strictObject({
  stages: stageSwitches.prefault({}),
  registration: registration.prefault({}),
  /** Rules of this client; added to the global ones unless inheritRules is false. */
  rules: z.array(policyRuleSchema).default([]),
  inheritRules: z.boolean().default(true),
  authorization: authorization.prefault({}),
});

export const policySchema = z.strictObject({
  stages: z
    .strictObject({
      registration: z.boolean().default(true),
      blacklist: z.boolean().default(true),
      'business-rules': z.boolean().default(true),
      authorization: z.boolean().default(true),
    })
    .prefault({}),
  registration: z.strictObject({ senders: z.boolean().default(false), optIn: z.boolean().default(false) }).prefault({}),
  rules: z.array(policyRuleSchema).default([]),
  authorization: z
    .strictObject({
      prefixes: z.array(digitPrefix).default([]),
      pools: z.array(z.string()).default([]),
      quota: z.strictObject({ day: z.number().int().min(0).default(0), month: z.number().int().min(0).default(0), timezone: timeZone.default('UTC') }).prefault({}),
    })
    .prefault({}),
  /** Per client system_id: switches and settings that override the global ones. */
  clients: z.record(z.string(), clientPolicySchema).default({}),
  /** How often deferred (quiet-hours) messages are checked for release. */
  deferPollMs: z.number().int().min(50).default(1_000),
});

export type PolicyConfig = z.infer<typeof policySchema>;
export type PolicyRuleConfig = z.infer<typeof policyRuleSchema>;
export type ClientPolicyConfig = z.infer<typeof clientPolicySchema>;
