import {
  contentDenied,
  dataCodingAllowed,
  quietHoursHit,
  startsWithAny,
  tooManySegments,
  type EffectivePolicy,
} from './policy-rules';

/**
 * The MCP pipeline: registration → blacklist → business rules → authorization. Each stage
 * passes the message, rejects it with a reason, or (quiet hours) defers it; the first
 * non-pass ends the run. Pure: the list lookups arrive as facts fetched for the whole read
 * batch, and the checks that count (frequency caps, duplicate window, quotas) are handed back
 * as `counting` so the worker can check-and-count them atomically in Redis after every pure
 * check passed — so a rejected message is never counted.
 */
export type PolicyStageName = 'registration' | 'blacklist' | 'business-rules' | 'authorization' | 'routing';

/**
 * Every reason, its stage and its code. The code is the `err:` field of the REJECTD receipt
 * (three decimal digits) and `err` in the `mcp` journal record; codes are stable — a new
 * reason gets a new code, an old code is never reused.
 */
export const POLICY_REASONS = {
  'sender-not-registered': { stage: 'registration', code: 201 },
  'recipient-not-opted-in': { stage: 'registration', code: 202 },
  'destination-blacklisted': { stage: 'blacklist', code: 211 },
  'sender-blocked': { stage: 'blacklist', code: 212 },
  'recipient-opted-out': { stage: 'blacklist', code: 213 },
  'content-denied': { stage: 'business-rules', code: 221 },
  'quiet-hours': { stage: 'business-rules', code: 222 },
  'frequency-cap': { stage: 'business-rules', code: 223 },
  'duplicate-content': { stage: 'business-rules', code: 224 },
  'too-many-segments': { stage: 'business-rules', code: 225 },
  'data-coding-not-allowed': { stage: 'business-rules', code: 226 },
  'destination-not-allowed': { stage: 'authorization', code: 231 },
  'route-not-allowed': { stage: 'authorization', code: 232 },
  'daily-quota': { stage: 'authorization', code: 233 },
  'monthly-quota': { stage: 'authorization', code: 234 },
  'no-route': { stage: 'routing', code: 0x101 },
} as const satisfies Record<string, { stage: PolicyStageName; code: number }>;

export type PolicyReason = keyof typeof POLICY_REASONS;

export interface PolicyInput {
  sys: string;
  src: string;
  dst: string;
  dc: number;
  /** Decoded text; null when the content is binary or cannot be decoded. */
  text?: string | null;
  /** Segments the message will take on the air. */
  segments?: number;
  /** Pool the router chose (null: none covers the destination). */
  pool?: string | null;
  now?: number;
}

/** Results of the list lookups for one message (undefined = not looked up: the check is off). */
export interface PolicyFacts {
  senderRegistered?: boolean;
  optedIn?: boolean;
  destinationBlacklisted?: boolean;
  senderBlocked?: boolean;
  optedOut?: boolean;
}

/** The checks that count messages, done atomically in Redis once every pure check passed. */
export interface CountingChecks {
  caps?: readonly { max: number; windowMs: number }[];
  dupWindowMs?: number;
  quota?: { day: number; month: number; timezone: string };
}

export type PolicyVerdict =
  | { pass: true; counting?: CountingChecks }
  | { pass: false; stage: PolicyStageName; reason: string; code: number; deferUntil?: number };

export type PolicyStage<I = PolicyInput> = { name: PolicyStageName; check(input: I): PolicyVerdict };

export function reject(reason: PolicyReason): Extract<PolicyVerdict, { pass: false }> {
  const r = POLICY_REASONS[reason];
  return { pass: false, stage: r.stage, reason, code: r.code };
}

/** Runs the stages in order; the first non-pass wins; the passes' counting checks are merged. */
export function createPolicyPipeline<I = PolicyInput>(stages: PolicyStage<I>[]): (input: I) => PolicyVerdict {
  return (input) => {
    let counting: CountingChecks | undefined;
    for (const s of stages) {
      const v = s.check(input);
      if (!v.pass) return v;
      if (v.counting) counting = Object.assign(counting ?? {}, v.counting);
    }
    return counting ? { pass: true, counting } : { pass: true };
  };
}

/** One message as the MCP stages see it: the input, its client's policy and its lookup results. */
export interface PolicyContext {
  input: PolicyInput;
  policy: EffectivePolicy;
  facts: PolicyFacts;
}

const PASS: PolicyVerdict = { pass: true };

export const registrationStage: PolicyStage<PolicyContext> = {
  name: 'registration',
  check: ({ policy, facts }) => {
    if (!policy.stages.registration) return PASS;
    if (policy.requireSender && facts.senderRegistered !== true) return reject('sender-not-registered');
    if (policy.requireOptIn && facts.optedIn !== true) return reject('recipient-not-opted-in');
    return PASS;
  },
};

export const blacklistStage: PolicyStage<PolicyContext> = {
  name: 'blacklist',
  check: ({ policy, facts }) => {
    if (!policy.stages.blacklist) return PASS;
    if (facts.destinationBlacklisted) return reject('destination-blacklisted');
    if (facts.senderBlocked) return reject('sender-blocked');
    if (facts.optedOut) return reject('recipient-opted-out');
    return PASS;
  },
};

export const businessRulesStage: PolicyStage<PolicyContext> = {
  name: 'business-rules',
  check: ({ input, policy }) => {
    if (!policy.stages['business-rules']) return PASS;
    if (contentDenied(input.text ?? null, policy.content)) return reject('content-denied');
    if (policy.quiet.length) {
      const hit = quietHoursHit(input.dst, input.now ?? Date.now(), policy.quiet);
      if (hit) return hit.action === 'reject' ? reject('quiet-hours') : { ...reject('quiet-hours'), deferUntil: hit.until };
    }
    if (tooManySegments(input.segments ?? 1, policy.maxSegments)) return reject('too-many-segments');
    if (!dataCodingAllowed(input.dc, policy.allowDc)) return reject('data-coding-not-allowed');
    const counting: CountingChecks = {};
    if (policy.caps.length) counting.caps = policy.caps;
    if (policy.dupWindowMs > 0) counting.dupWindowMs = policy.dupWindowMs;
    return counting.caps || counting.dupWindowMs ? { pass: true, counting } : PASS;
  },
};

export const authorizationStage: PolicyStage<PolicyContext> = {
  name: 'authorization',
  check: ({ input, policy }) => {
    if (!policy.stages.authorization) return PASS;
    if (policy.allowPrefixes.length && !startsWithAny(input.dst, policy.allowPrefixes)) return reject('destination-not-allowed');
    // No pool means no route: that rejection (no-route) comes after the policy.
    if (policy.allowPools.length && input.pool && !policy.allowPools.includes(input.pool)) return reject('route-not-allowed');
    if (policy.quota.day > 0 || policy.quota.month > 0) return { pass: true, counting: { quota: policy.quota } };
    return PASS;
  },
};

/** The four MCP stages in their order. */
export const MCP_STAGES: PolicyStage<PolicyContext>[] = [registrationStage, blacklistStage, businessRulesStage, authorizationStage];

export const evaluatePolicy = createPolicyPipeline(MCP_STAGES);

/** Which list lookups a client's policy needs (none when the stage is off or the check not required). */
export function neededLookups(policy: EffectivePolicy): { senders: boolean; optin: boolean; blacklist: boolean } {
  return {
    senders: policy.stages.registration && policy.requireSender,
    optin: policy.stages.registration && policy.requireOptIn,
    blacklist: policy.stages.blacklist,
  };
}
