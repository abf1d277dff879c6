export interface Route {
  prefix: string;
  smscs: readonly string[];
  pool?: string;
}

export interface RouteDecision {
  pool: string;
  smscs: string[];
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
    return r ? { pool: poolName(r), smscs: [...r.smscs] } : null;
  };
}

/** Every pool the routes name, with the SMSCs that serve it. */
export function poolsOf(routes: readonly Route[]): Map<string, string[]> {
  const pools = new Map<string, string[]>();
  for (const r of routes) pools.set(poolName(r), [...r.smscs]);
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
