export interface Route {
  prefix: string;
  /** Primary SMSCs. */
  smscs: readonly string[];
  /** Each primary's share of the traffic (same order; default 1 each). */
  weights?: readonly number[];
  /** SMSCs used only while no primary has a bound session. */
  backup?: readonly string[];
  pool?: string;
}

export interface RouteDecision {
  pool: string;
  smscs: string[];
  /** Present when the primaries do not all weigh the same. */
  weights?: number[];
  backup?: string[];
}

/** Pool name of a route: its own name, else derived from its SMSCs (same SMSCs, same pool). */
export function poolName(route: Route): string {
  return route.pool ?? [...route.smscs].sort().join('+');
}

/** Longest destination-prefix match; null when no route covers the destination. */
export function createRouter(routes: readonly Route[]): (destination: string) => RouteDecision | null {
  const sorted = [...routes].sort((a, b) => b.prefix.length - a.prefix.length);
  return (destination) => {
    const r = sorted.find((route) => destination.startsWith(route.prefix));
    if (!r) return null;
    const d: RouteDecision = { pool: poolName(r), smscs: [...r.smscs] };
    if (r.weights?.some((w) => w !== r.weights![0])) d.weights = [...r.weights];
    if (r.backup?.length) d.backup = [...r.backup];
    return d;
  };
}

/** Every pool the routes name, with the SMSCs that serve it (backups included). */
export function poolsOf(routes: readonly Route[]): Map<string, string[]> {
  const pools = new Map<string, string[]>();
  for (const r of routes) pools.set(poolName(r), [...new Set([...(pools.get(poolName(r)) ?? []), ...r.smscs, ...(r.backup ?? [])])]);
  return pools;
}

/**
 * Routing with per-client overrides: a client's own routes first (longest prefix), then the
 * global ones. Clients without routes of their own share the global router.
 */
export function createClientRouter(
  routes: readonly Route[],
  clients: ReadonlyArray<{ systemId: string; routes: readonly Route[] }>,
): (sys: string, destination: string) => RouteDecision | null {
  const global = createRouter(routes);
  const own = new Map(clients.filter((c) => c.routes.length).map((c) => [c.systemId, createRouter(c.routes)]));
  return (sys, destination) => own.get(sys)?.(destination) ?? global(destination);
}
