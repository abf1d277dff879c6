import { compileContentPattern, contentScanText, type ContentMatcher } from './content-pattern';
import { parseHhmm, quietWindowEnd, type QuietWindow } from './quiet-hours';

/**
 * The policy settings (the validated `policy:` config section, structurally) and their
 * compiled, per-client effective form. Pure: regexes are compiled once here, never per message.
 */
export type PolicyRule =
  | { type: 'content-deny'; pattern?: string; flags: string; keywords: readonly string[] }
  | { type: 'quiet-hours'; prefixes: readonly string[]; timezone: string; from: string; to: string; action: 'defer' | 'reject' }
  | { type: 'frequency-cap'; per: 'recipient'; max: number; window: number }
  | { type: 'duplicate-window'; window: number }
  | { type: 'max-segments'; max: number }
  | { type: 'data-coding'; allow: readonly number[] };

export type GatedStage = 'registration' | 'blacklist' | 'business-rules' | 'authorization';

export interface ClientPolicySettings {
  stages: Partial<Record<GatedStage, boolean | undefined>>;
  registration: { senders?: boolean; optIn?: boolean };
  rules: readonly PolicyRule[];
  inheritRules: boolean;
  authorization: {
    prefixes?: readonly string[];
    pools?: readonly string[];
    quota?: { day?: number; month?: number; timezone?: string };
  };
}

export interface PolicySettings {
  stages: Record<GatedStage, boolean>;
  registration: { senders: boolean; optIn: boolean };
  rules: readonly PolicyRule[];
  authorization: {
    prefixes: readonly string[];
    pools: readonly string[];
    quota: { day: number; month: number; timezone: string };
  };
  clients: Readonly<Record<string, ClientPolicySettings>>;
}

export interface QuietRule extends QuietWindow {
  prefixes: readonly string[];
  action: 'defer' | 'reject';
}

/** Everything that applies to one client, resolved from the global and client settings. */
export interface EffectivePolicy {
  stages: Record<GatedStage, boolean>;
  requireSender: boolean;
  requireOptIn: boolean;
  content: readonly ContentMatcher[];
  quiet: readonly QuietRule[];
  /** Sliding windows per client + recipient. */
  caps: readonly { max: number; windowMs: number }[];
  /** Longest duplicate-content window; 0 = none. */
  dupWindowMs: number;
  /** Fewest segments any rule allows; Infinity = no limit. */
  maxSegments: number;
  /** data_coding values every data-coding rule allows; null = any. */
  allowDc: ReadonlySet<number> | null;
  allowPrefixes: readonly string[];
  allowPools: readonly string[];
  quota: { day: number; month: number; timezone: string };
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A content-deny rule as matchers: its pattern as written, on RE2 (linear time, content-pattern.ts),
 * its keywords as whole words, case-insensitive.
 */
export function compileContentRule(r: Extract<PolicyRule, { type: 'content-deny' }>): ContentMatcher[] {
  const out: ContentMatcher[] = [];
  if (r.pattern !== undefined) out.push(compileContentPattern(r.pattern, r.flags));
  if (r.keywords.length) {
    // Word edges by Unicode letters/digits, not \b (which only knows ASCII word characters).
    // Built by us from escaped literals, so this one cannot backtrack badly and stays a RegExp.
    out.push(new RegExp(`(?<![\\p{L}\\p{N}])(?:${r.keywords.map(escapeRegex).join('|')})(?![\\p{L}\\p{N}])`, 'iu'));
  }
  return out;
}

/** Resolves the effective policy of a client: client switches and settings over the global ones. */
export function effectivePolicy(settings: PolicySettings, sys: string): EffectivePolicy {
  const c = settings.clients[sys];
  const rules = [...(c?.inheritRules === false ? [] : settings.rules), ...(c?.rules ?? [])];
  const stage = (s: GatedStage) => c?.stages[s] ?? settings.stages[s];
  const content: ContentMatcher[] = [];
  const quiet: QuietRule[] = [];
  const caps: { max: number; windowMs: number }[] = [];
  let dupWindowMs = 0;
  let maxSegments = Infinity;
  let allowDc = null as Set<number> | null;
  for (const r of rules) {
    switch (r.type) {
      case 'content-deny':
        content.push(...compileContentRule(r));
        break;
      case 'quiet-hours':
        quiet.push({ prefixes: r.prefixes, timezone: r.timezone, from: parseHhmm(r.from), to: parseHhmm(r.to), action: r.action });
        break;
      case 'frequency-cap':
        caps.push({ max: r.max, windowMs: r.window });
        break;
      case 'duplicate-window':
        dupWindowMs = Math.max(dupWindowMs, r.window);
        break;
      case 'max-segments':
        maxSegments = Math.min(maxSegments, r.max);
        break;
      case 'data-coding': {
        // Several rules narrow each other: a value must be allowed by all of them.
        const allow = new Set(r.allow);
        allowDc = allowDc ? new Set([...allowDc].filter((d: number) => allow.has(d))) : allow;
        break;
      }
    }
  }
  const q = c?.authorization.quota;
  return {
    stages: { registration: stage('registration'), blacklist: stage('blacklist'), 'business-rules': stage('business-rules'), authorization: stage('authorization') },
    requireSender: c?.registration.senders ?? settings.registration.senders,
    requireOptIn: c?.registration.optIn ?? settings.registration.optIn,
    content,
    quiet,
    caps,
    dupWindowMs,
    maxSegments,
    allowDc,
    allowPrefixes: c?.authorization.prefixes ?? settings.authorization.prefixes,
    allowPools: c?.authorization.pools ?? settings.authorization.pools,
    quota: {
      day: q?.day ?? settings.authorization.quota.day,
      month: q?.month ?? settings.authorization.quota.month,
      timezone: q?.timezone ?? settings.authorization.quota.timezone,
    },
  };
}

/** Effective policies by client, resolved on first use (the settings are immutable). */
export function createPolicyResolver(settings: PolicySettings): (sys: string) => EffectivePolicy {
  const cache = new Map<string, EffectivePolicy>();
  return (sys) => {
    let p = cache.get(sys);
    if (!p) cache.set(sys, (p = effectivePolicy(settings, sys)));
    return p;
  };
}

/** Settings with nothing configured: every stage on, nothing to enforce. */
export function emptyPolicySettings(): PolicySettings {
  return {
    stages: { registration: true, blacklist: true, 'business-rules': true, authorization: true },
    registration: { senders: false, optIn: false },
    rules: [],
    authorization: { prefixes: [], pools: [], quota: { day: 0, month: 0, timezone: 'UTC' } },
    clients: {},
  };
}

// ---- single rules, each a pure function with its own tests ----

export const startsWithAny = (value: string, prefixes: readonly string[]) => prefixes.some((p) => value.startsWith(p));

/**
 * The first content rule the text matches; binary content (text null) matches none. Rules see
 * the first CONTENT_SCAN_MAX_CHARS characters only.
 */
export function contentDenied(text: string | null, content: readonly ContentMatcher[]): ContentMatcher | null {
  if (text === null || content.length === 0) return null;
  const scanned = contentScanText(text);
  return content.find((re) => re.test(scanned)) ?? null;
}

/** The earliest release time among the quiet rules covering the destination now (null: not quiet). */
export function quietHoursHit(dst: string, now: number, quiet: readonly QuietRule[]): { until: number; action: 'defer' | 'reject' } | null {
  let hit: { until: number; action: 'defer' | 'reject' } | null = null;
  for (const q of quiet) {
    if (!startsWithAny(dst, q.prefixes)) continue;
    const until = quietWindowEnd(now, q);
    if (until === null) continue;
    // A reject rule wins over a defer rule; among defers the latest release covers them all.
    if (!hit || q.action === 'reject' || (hit.action === 'defer' && until > hit.until)) hit = { until, action: q.action };
    if (hit.action === 'reject') return hit;
  }
  return hit;
}

export const tooManySegments = (segments: number, max: number) => segments > max;

export const dataCodingAllowed = (dc: number, allow: ReadonlySet<number> | null) => allow === null || allow.has(dc);

/**
 * What a list lookup asks for an address: the address itself, each of its leading parts with
 * `*` (prefix / wildcard entries: `4479*`, `ACME*`) and `*` alone (everything). Alphanumeric
 * sender IDs compare case-insensitively, so entries and lookups are upper-cased.
 */
export function listCandidates(addr: string): string[] {
  const a = normaliseListEntry(addr);
  const out = [a, '*'];
  for (let i = 1; i < a.length; i++) out.push(`${a.slice(0, i)}*`);
  return out;
}

export function normaliseListEntry(entry: string): string {
  return entry.trim().toUpperCase();
}
