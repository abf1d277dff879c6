import { z } from 'zod';
import { GROUPS } from '@smsgw/contracts';
import { allRoutes, type RouteConfig } from '@smsgw/platform';
import { poolName, poolsOf } from '@smsgw/domain';
import { createBindReports, createClientBacklog, groupBacklog, publicClient, type ClientsSnapshot } from '@smsgw/redis';
import type { RouteDeps } from './admin-server';

export const clientBindSchema = z.object({
  /** The ingress instance holding the session. */
  instance: z.string(),
  session: z.string(),
  mode: z.enum(['transmitter', 'receiver', 'transceiver']),
  address: z.string(),
  since: z.number(),
});

export const clientItemSchema = z.object({
  systemId: z.string(),
  source: z.enum(['config', 'runtime']),
  suspended: z.boolean(),
  binds: z.array(clientBindSchema),
  /** submit PDUs per second over every bind (the ingresses' last report interval). */
  submitRate: z.number(),
  /** Messages accepted and not yet sent (every stage), against its maxBacklog. */
  backlog: z.number().int(),
  /** Receipts in its receipt stream not yet delivered to a bind (or not yet acknowledged). */
  receiptBacklog: z.number().int(),
  /** The client as in force, without password or passwordHash. */
  config: z.record(z.string(), z.unknown()),
});
export type ClientItem = z.infer<typeof clientItemSchema>;

/** The admin API's view of the clients `systems` (default: all of the snapshot). */
export async function clientItems(deps: RouteDeps, snap: ClientsSnapshot, systems = [...snap.clients.keys()]): Promise<ClientItem[]> {
  const prefix = deps.config.redis.prefix;
  const [reports, backlogs, receiptBacklogs] = await Promise.all([
    createBindReports(deps.redis, prefix).reports(deps.now()),
    createClientBacklog(deps.redis, prefix).counts(systems),
    Promise.all(systems.map((sys) => groupBacklog(deps.redis, deps.names.dlr(sys), GROUPS.ingress))),
  ]);
  return systems.flatMap((sys, i) => {
    const e = snap.clients.get(sys);
    if (!e) return [];
    const binds = reports.flatMap((r) => r.binds.filter((b) => b.systemId === sys).map((b) => ({ ...b, instance: r.instance })));
    return [{
      systemId: sys,
      source: e.source,
      suspended: snap.suspended.has(sys),
      binds: binds.map(({ instance, session, mode, address, since }) => ({ instance, session, mode, address, since })),
      submitRate: Math.round(binds.reduce((n, b) => n + b.rate, 0) * 10) / 10,
      backlog: backlogs.get(sys) ?? 0,
      receiptBacklog: receiptBacklogs[i]!,
      config: publicClient(e.client) as Record<string, unknown>,
    }];
  });
}

/**
 * What is wrong with a run-time client's routes against the config (field and message), or
 * undefined: every SMSC must exist and every route's pool must be one the config's routes
 * make, since senders consume only those pools' streams.
 */
export function routesProblem(routes: readonly RouteConfig[], config: RouteDeps['config']): { field: string; message: string } | undefined {
  const smscs = new Set(config.smscs.map((s) => s.id));
  const pools = [...poolsOf(allRoutes(config)).keys()];
  for (const [i, r] of routes.entries()) {
    for (const [key, ids] of [['smscs', r.smscs], ['backup', r.backup]] as const) {
      const j = ids.findIndex((id) => !smscs.has(id));
      if (j >= 0) return { field: `routes.${i}.${key}.${j}`, message: `unknown smsc "${ids[j]}"` };
    }
    const j = r.backup.findIndex((id) => r.smscs.includes(id));
    if (j >= 0) return { field: `routes.${i}.backup.${j}`, message: `smsc "${r.backup[j]}" is a primary of this route already` };
    const pool = poolName(r);
    if (!pools.includes(pool)) return { field: `routes.${i}.pool`, message: `unknown pool "${pool}": a run-time route must use a pool of the config (${pools.join(', ')})` };
  }
  return undefined;
}
