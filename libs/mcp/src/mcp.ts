import type { InEntry } from '@smsgw/contracts';
import { evaluatePolicy, type EffectivePolicy, type PolicyInput, type PolicyVerdict, reject } from '@smsgw/domain';
import { messageSegments, messageText } from '@smsgw/sms-text';
import type { PolicyKeys } from './policy-keys';
import type { Redis } from '@smsgw/redis';
import { createCounter, type CountItem } from './policy-counting';
import { lookupFacts } from './policy-lookups';

export interface McpItem {
  entry: InEntry;
  /** The pool the router chose; null when no route covers the destination. */
  pool: string | null;
}

export type BatchPolicy = (items: readonly McpItem[]) => Promise<PolicyVerdict[]>;

export interface McpDeps {
  redis: Redis;
  keys: PolicyKeys;
  /** The effective policy of a client; replaced as a whole when the rules change. */
  resolve: () => (sys: string) => EffectivePolicy;
  now?: () => number;
}

/**
 * What the pure stages see of a message: the text is decoded only when a content rule needs
 * it, the segments counted only when a max-segments rule does.
 */
export function policyInputOf(m: InEntry, pool: string | null, policy: EffectivePolicy, now: number): PolicyInput {
  const rules = policy.stages['business-rules'];
  const text = rules && policy.content.length ? messageText(m) : null;
  return {
    sys: m.sys, src: m.src.norm, dst: m.dst.norm, dc: m.dc, pool, now, text,
    segments: rules && policy.maxSegments !== Infinity ? messageSegments(m) : 1,
  };
}

/** What the counting checks of a message that passed every pure check are asked with. */
export const countItemOf = (m: InEntry, counting: CountItem['counting']): CountItem => ({ id: m.id, sys: m.sys, dst: m.dst.norm, sm: m.sm, dc: m.dc, counting });

/**
 * The MCP for one read batch: one pipelined round trip for the list facts of every message,
 * the pure stages per message, then one pipelined round trip that checks-and-counts the
 * messages that passed and have counting rules (caps, duplicate window, quotas).
 */
export function createMcp(deps: McpDeps): BatchPolicy {
  const now = deps.now ?? Date.now;
  const count = createCounter(deps.redis, deps.keys);
  return async (items) => {
    const t = now();
    const resolve = deps.resolve();
    const policies = items.map((it) => resolve(it.entry.sys));
    const facts = await lookupFacts(
      deps.redis,
      deps.keys,
      items.map((it, i) => ({ sys: it.entry.sys, src: it.entry.src.norm, dst: it.entry.dst.norm, policy: policies[i]! })),
    );
    const verdicts = items.map((it, i) =>
      evaluatePolicy({ input: policyInputOf(it.entry, it.pool, policies[i]!, t), policy: policies[i]!, facts: facts[i]! }),
    );
    const counted: CountItem[] = [];
    const at: number[] = [];
    verdicts.forEach((v, i) => {
      if (!v.pass || !v.counting) return;
      counted.push(countItemOf(items[i]!.entry, v.counting));
      at.push(i);
    });
    const results = await count(counted, t);
    results.forEach((r, j) => {
      if (r !== 'pass') verdicts[at[j]!] = reject(r);
    });
    return verdicts;
  };
}
