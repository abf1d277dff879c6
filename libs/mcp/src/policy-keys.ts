import { deferredKey } from '@smsgw/redis';

/**
 * Redis key layout of the MCP. Lists are sets read with one SMISMEMBER per list per read
 * batch; the counting keys of a client share the hash tag `{<system_id>}` because one Lua
 * script checks and counts them together (Redis Cluster needs them in one slot).
 */
export const LIST_NAMES = ['senders', 'optin', 'blacklist', 'blocked-senders', 'optout'] as const;
export type ListName = (typeof LIST_NAMES)[number];

/** Lists that exist globally as well as per client; the others are per client only. */
export const GLOBAL_LISTS: ReadonlySet<ListName> = new Set(['blacklist', 'blocked-senders']);

/** Lists of destination numbers (digits, `*` = prefix); the others hold sender IDs. */
export const NUMBER_LISTS: ReadonlySet<ListName> = new Set(['optin', 'blacklist', 'optout']);

export interface PolicyKeys {
  list(name: ListName, sys?: string): string;
  marker(sys: string, id: string): string;
  cap(sys: string, dst: string): string;
  dup(sys: string, hash: string): string;
  quotaDay(sys: string, date: string): string;
  quotaMonth(sys: string, month: string): string;
  readonly deferred: string;
}

export function policyKeys(prefix: string): PolicyKeys {
  const p = `${prefix}:pol`;
  return {
    list: (name, sys) => (sys === undefined ? `${p}:list:${name}:g` : `${p}:list:${name}:c:${sys}`),
    marker: (sys, id) => `${p}:{${sys}}:ok:${id}`,
    cap: (sys, dst) => `${p}:{${sys}}:cap:${dst}`,
    dup: (sys, hash) => `${p}:{${sys}}:dup:${hash}`,
    quotaDay: (sys, date) => `${p}:{${sys}}:qd:${date}`,
    quotaMonth: (sys, month) => `${p}:{${sys}}:qm:${month}`,
    deferred: deferredKey(prefix),
  };
}
