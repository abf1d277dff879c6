import type { ClientConfig } from '@smsgw/platform';
import type { ClientChange } from '@smsgw/redis';

export interface ClientSettingsDeps {
  registry: { all(): readonly ClientConfig[]; onChange(cb: (change: ClientChange) => void): () => void };
  /** A rate limiter of one client's maxSubmitRate (shared by every ingress through Redis). */
  limiter(client: ClientConfig): { tryTake(n?: number): Promise<boolean> };
}

/**
 * The per-client settings the submit path reads, as Maps rebuilt when the registry changes (so
 * a submit costs a lookup, never a Redis read): each client's maxSubmitRate limiter and its
 * maxBacklog. A limiter whose rate did not change is kept, with the tokens it holds.
 */
export function createClientSettings(deps: ClientSettingsDeps) {
  let limiters = new Map<string, { rate: number; limiter: { tryTake(n?: number): Promise<boolean> } }>();
  const backlogLimits = new Map<string, number>();
  const rebuild = () => {
    const next = new Map<string, { rate: number; limiter: { tryTake(n?: number): Promise<boolean> } }>();
    for (const c of deps.registry.all()) {
      if (c.maxSubmitRate <= 0) continue;
      const old = limiters.get(c.systemId);
      next.set(c.systemId, old && old.rate === c.maxSubmitRate ? old : { rate: c.maxSubmitRate, limiter: deps.limiter(c) });
    }
    limiters = next;
    // In place: the client backlog monitor holds this map.
    backlogLimits.clear();
    for (const c of deps.registry.all()) backlogLimits.set(c.systemId, c.maxBacklog);
  };
  rebuild();
  const unsubscribe = deps.registry.onChange(rebuild);
  return {
    /** maxSubmitRate: one token per message; clients without a rate always pass. */
    allow: (sys: string, n = 1): Promise<boolean> | boolean => limiters.get(sys)?.limiter.tryTake(n) ?? true,
    backlogLimits: backlogLimits as ReadonlyMap<string, number>,
    close: unsubscribe,
  };
}
