import { listCandidates, neededLookups, normaliseListEntry, type EffectivePolicy, type PolicyFacts } from '@smsgw/domain';
import type { PolicyKeys } from './policy-keys';
import type { Redis } from '@smsgw/redis';

export interface LookupItem {
  sys: string;
  src: string;
  dst: string;
  policy: EffectivePolicy;
}

/**
 * The list facts of a whole read batch in one round trip: the candidates of every message
 * (address, its prefixes with `*`, and `*`) are gathered per list key and asked with ONE
 * SMISMEMBER per key — commands per batch grow with the number of lists and clients in it,
 * not with the number of messages.
 */
export async function lookupFacts(redis: Redis, keys: PolicyKeys, items: readonly LookupItem[]): Promise<PolicyFacts[]> {
  const asks = new Map<string, Set<string>>();
  const ask = (key: string, candidates: readonly string[]) => {
    let set = asks.get(key);
    if (!set) asks.set(key, (set = new Set()));
    for (const c of candidates) set.add(c);
  };
  const prepared = items.map((it) => {
    const needs = neededLookups(it.policy);
    const src = needs.senders || needs.blacklist ? listCandidates(it.src) : [];
    const dst = needs.blacklist ? listCandidates(it.dst) : [];
    const dstExact = [normaliseListEntry(it.dst)];
    if (needs.senders) ask(keys.list('senders', it.sys), src);
    if (needs.optin) ask(keys.list('optin', it.sys), dstExact);
    if (needs.blacklist) {
      ask(keys.list('blacklist'), dst);
      ask(keys.list('blacklist', it.sys), dst);
      ask(keys.list('blocked-senders'), src);
      ask(keys.list('blocked-senders', it.sys), src);
      ask(keys.list('optout', it.sys), dstExact);
    }
    return { it, needs, src, dst, dstExact };
  });
  if (asks.size === 0) return items.map(() => ({}));

  const order = [...asks.entries()].map(([key, set]) => ({ key, members: [...set] }));
  // Sent together without waiting for each other (one round trip; auto-pipelined), but not as
  // one pipeline: list keys of different clients live on different cluster slots.
  const results = await Promise.all(order.map((o) => redis.smismember(o.key, ...o.members)));
  const hits = new Map<string, Set<string>>();
  order.forEach((o, i) => {
    const flags = results[i]!;
    const present = new Set<string>();
    (flags as number[]).forEach((f, j) => f === 1 && present.add(o.members[j]!));
    hits.set(o.key, present);
  });
  const any = (key: string, candidates: readonly string[]) => {
    const h = hits.get(key);
    return !!h && h.size > 0 && candidates.some((c) => h.has(c));
  };

  return prepared.map(({ it, needs, src, dst, dstExact }) => {
    const f: PolicyFacts = {};
    if (needs.senders) f.senderRegistered = any(keys.list('senders', it.sys), src);
    if (needs.optin) f.optedIn = any(keys.list('optin', it.sys), dstExact);
    if (needs.blacklist) {
      f.destinationBlacklisted = any(keys.list('blacklist'), dst) || any(keys.list('blacklist', it.sys), dst);
      f.senderBlocked = any(keys.list('blocked-senders'), src) || any(keys.list('blocked-senders', it.sys), src);
      f.optedOut = any(keys.list('optout', it.sys), dstExact);
    }
    return f;
  });
}
