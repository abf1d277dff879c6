import { policySchema, type PolicyConfig } from '@smsgw/platform';
import { z } from 'zod';
import { parseStored, type Redis } from '@smsgw/redis';

/**
 * The MCP's rules (the config's `policy` section) as versioned documents in Redis, so that
 * operators change them at run time and every policy-worker follows within a second:
 *
 * - `<prefix>:policy:rules`, one hash: `version` (the version in force) and `v:<n>` for it and
 *   the POLICY_HISTORY versions before it (each `{ policy, by, at, rollbackOf? }`). One key,
 *   so one script sets it atomically, on Redis Cluster too.
 * - `<prefix>:policy:applied`, one hash: field = policy-worker instance, value = the version it
 *   applies and when it last said so.
 *
 * No version in Redis: the config file's `policy` is in force. Once one is set it wins over the
 * file (SIGHUP then changes nothing until the Redis version is gone).
 */
export const POLICY_HISTORY = 20;

/** How often policy-workers read the version in force (a change is applied within about this long). */
export const POLICY_POLL_MS = 500;

export const policyRolloutKeys = (prefix: string) => ({ rules: `${prefix}:policy:rules`, applied: `${prefix}:policy:applied` });

/** One version: the policy as it was given (validated), who set it and when. */
export const policyVersionSchema = z.object({
  version: z.number().int().min(1),
  policy: z.unknown(),
  by: z.string(),
  at: z.number(),
  /** Set by a rollback: the version whose policy this one re-publishes. */
  rollbackOf: z.number().int().optional(),
});
export type PolicyVersion = z.infer<typeof policyVersionSchema>;

/** What one policy-worker reports: the version it applies (0: the file's), and when it said so. */
export const appliedPolicySchema = z.object({
  version: z.number().int().min(0),
  at: z.number(),
  /** A version it refused (did not validate there); the rules it applies stay. */
  refused: z.number().int().optional(),
  error: z.string().optional(),
});
export type AppliedPolicy = z.infer<typeof appliedPolicySchema>;

export class PolicyConflictError extends Error {
  override name = 'PolicyConflictError';
  constructor(
    message: string,
    readonly current: number,
  ) {
    super(message);
  }
}

export class PolicyInvalidError extends Error {
  override name = 'PolicyInvalidError';
  constructor(readonly issues: string[]) {
    super(issues.join('; '));
  }
}

export class PolicyNotKeptError extends Error {
  override name = 'PolicyNotKeptError';
  constructor(readonly version: number) {
    super(`version ${version} is not kept (the last ${POLICY_HISTORY + 1} versions are)`);
  }
}

const isTypeMismatch = (issue: z.core.$ZodIssue) => issue.code === 'invalid_value' && issue.path.length === 1 && issue.path[0] === 'type';

/**
 * zod's issues as `policy.rules[2].type: …` lines. A rule is one of a union of rule shapes told
 * apart by `type`: zod reports "invalid input" at the rule; here the issues of the one shape
 * whose `type` matched are reported at their own path, or, when no shape matched, the `type`.
 */
function describeIssues(issues: readonly z.core.$ZodIssue[], at: PropertyKey[]): string[] {
  return issues.flatMap((issue) => {
    const path = [...at, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 1) {
      const typed = issue.errors.filter((branch) => branch.some(isTypeMismatch));
      if (typed.length === issue.errors.length) {
        const types = issue.errors.flatMap((b) => b.filter(isTypeMismatch).flatMap((i) => (i.code === 'invalid_value' ? i.values.map(String) : [])));
        return [`${z.core.toDotPath([...path, 'type'])}: must be one of ${types.join(', ')}`];
      }
      if (typed.length === issue.errors.length - 1) return describeIssues(issue.errors.find((b) => !b.some(isTypeMismatch))!, path);
    }
    if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => `${z.core.toDotPath([...path, k])}: unknown key (misspelt, or not a setting of this section)`);
    return [`${z.core.toDotPath(path)}: ${issue.message}`];
  });
}

/** The policy as the policy-workers will apply it, or why not: each problem naming its field (`policy.rules[2].type: …`). */
export function validatePolicy(raw: unknown): { ok: true; policy: PolicyConfig } | { ok: false; issues: string[] } {
  const parsed = policySchema.safeParse(raw);
  return parsed.success ? { ok: true, policy: parsed.data } : { ok: false, issues: describeIssues(parsed.error.issues, ['policy']) };
}

/**
 * KEYS: the rules hash. ARGV: expected version (-1: any), the version's JSON without its number,
 * how many previous versions to keep. Returns { 1, new version } or { 0, version in force }.
 */
const SET_SCRIPT = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
local expect = tonumber(ARGV[1])
if expect >= 0 and expect ~= cur then return { 0, cur } end
local v = cur + 1
redis.call('HSET', KEYS[1], 'version', v, 'v:' .. v, ARGV[2])
local old = v - tonumber(ARGV[3]) - 1
if old >= 1 then redis.call('HDEL', KEYS[1], 'v:' .. old) end
return { 1, v }
`;

type RolloutRedis = Redis & { policyRulesSet(key: string, expect: number, doc: string, keep: number): Promise<[number, number]> };

export function createPolicyRollout(redis: Redis, prefix: string) {
  const keys = policyRolloutKeys(prefix);
  const r = redis as RolloutRedis;
  if (typeof r.policyRulesSet !== 'function') r.defineCommand('policyRulesSet', { numberOfKeys: 1, lua: SET_SCRIPT });
  // A version's number is its field's: the stored JSON does not repeat it.
  const versionOf = (field: string, raw: string | null | undefined): PolicyVersion | undefined => {
    const doc = parseStored(z.looseObject({}), raw);
    const p = doc && policyVersionSchema.safeParse({ ...doc, version: Number(field.slice(2)) });
    return p?.success ? p.data : undefined;
  };

  const api = {
    keys,
    /** The version in force; 0 when Redis holds none (the config file's policy is in force). */
    async version(): Promise<number> {
      return Number((await redis.hget(keys.rules, 'version')) ?? 0);
    },
    /** One version, if it is still kept. */
    async get(version: number): Promise<PolicyVersion | null> {
      const field = `v:${version}`;
      return versionOf(field, await redis.hget(keys.rules, field)) ?? null;
    },
    async current(): Promise<PolicyVersion | null> {
      const v = await api.version();
      return v ? api.get(v) : null;
    },
    /** The version in force and the ones kept before it, newest first. */
    async history(): Promise<{ current: number; versions: PolicyVersion[] }> {
      const all = await redis.hgetall(keys.rules);
      const versions = Object.entries(all).flatMap(([field, raw]) => (field.startsWith('v:') ? [versionOf(field, raw)] : [])).filter((v): v is PolicyVersion => !!v);
      return { current: Number(all.version ?? 0), versions: versions.sort((a, b) => b.version - a.version) };
    },
    /**
     * Validates and publishes a policy as the next version. `expectVersion` (0: none in Redis
     * yet) refuses the change when another one came first: two operators editing at once.
     */
    async set(policy: unknown, by: string, opts: { expectVersion?: number; at?: number; rollbackOf?: number } = {}): Promise<{ before: PolicyVersion | null; after: PolicyVersion }> {
      const valid = validatePolicy(policy);
      if (!valid.ok) throw new PolicyInvalidError(valid.issues);
      const doc = { policy, by, at: opts.at ?? Date.now(), ...(opts.rollbackOf !== undefined ? { rollbackOf: opts.rollbackOf } : {}) };
      // The previous version (for the audit) is read first and the write is refused if another
      // came in between; without expectVersion that only means reading it again.
      for (let attempt = 1; ; attempt++) {
        const cur = await api.version();
        const before = cur ? await api.get(cur) : null;
        const expect = opts.expectVersion ?? cur;
        const [ok, version] = await r.policyRulesSet(keys.rules, expect, JSON.stringify(doc), POLICY_HISTORY);
        if (ok) return { before, after: { version, ...doc } };
        if (opts.expectVersion !== undefined || attempt === 3) {
          throw new PolicyConflictError(`the policy is at version ${version}, not ${expect}: someone changed it meanwhile; reload it and apply your change again`, version);
        }
      }
    },
    /** Re-publishes the version before the one in force (or `toVersion`) as a new version. */
    async rollback(by: string, opts: { toVersion?: number; expectVersion?: number; at?: number } = {}): Promise<{ before: PolicyVersion | null; after: PolicyVersion }> {
      const current = await api.version();
      if (opts.expectVersion !== undefined && opts.expectVersion !== current) {
        throw new PolicyConflictError(`the policy is at version ${current}, expected version ${opts.expectVersion}`, current);
      }
      const to = opts.toVersion ?? current - 1;
      if (current === 0) throw new PolicyConflictError('no policy version is set in Redis: the config file\'s policy is in force, nothing to roll back', 0);
      if (to < 1) throw new PolicyConflictError(`version ${current} is the first one: there is no version before it (to go back to the file's rules, set them)`, current);
      if (to === current) throw new PolicyConflictError(`version ${to} is the one in force`, current);
      const target = await api.get(to);
      if (!target) throw new PolicyNotKeptError(to);
      return api.set(target.policy, by, { expectVersion: current, at: opts.at, rollbackOf: to });
    },
    async reportApplied(instance: string, applied: AppliedPolicy): Promise<void> {
      await redis.hset(keys.applied, instance, JSON.stringify(applied));
    },
    /** What each policy-worker last reported; reports older than `forgetAfterMs` are dropped (a worker gone for good). */
    async applied(now = Date.now(), forgetAfterMs = 86_400_000): Promise<Array<AppliedPolicy & { instance: string }>> {
      const all = await redis.hgetall(keys.applied);
      const out: Array<AppliedPolicy & { instance: string }> = [];
      const gone: string[] = [];
      for (const [instance, raw] of Object.entries(all)) {
        const a = parseStored(appliedPolicySchema, raw);
        if (!a || a.at < now - forgetAfterMs) gone.push(instance);
        else out.push({ instance, ...a });
      }
      if (gone.length) await redis.hdel(keys.applied, ...gone);
      return out.sort((a, b) => a.instance.localeCompare(b.instance));
    },
  };
  return api;
}

export type PolicyRollout = ReturnType<typeof createPolicyRollout>;
