import { GROUPS, type StreamNames } from '@smsgw/contracts';
import { poolsOf } from '@smsgw/domain';
import { allRoutes, type GatewayConfig } from '@smsgw/platform';

/** A stream of the gateway, what it carries, and the consumer group that reads it (none: dead). */
export interface OurStream {
  stream: string;
  kind: 'in' | 'out' | 'dlr-in' | 'journal' | 'dlr' | 'dead';
  /** The pool of an `out` stream, the client of a `dlr` stream. */
  of?: string;
  group?: string;
}

/**
 * Every stream this configuration uses: `in`, `out:<pool>` of each pool a route names,
 * `dlr-in`, `journal`, `dlr:{client}` of each configured client and of each client added at
 * run time (`runtimeClients`), and `dead`. Each is one key (one slot on a Redis Cluster), so
 * commands about one of them go to the node that holds it.
 */
export function ourStreams(config: Pick<GatewayConfig, 'redis' | 'routes' | 'clients'>, names: StreamNames, runtimeClients: readonly string[] = []): OurStream[] {
  const clients = [...new Set([...config.clients.map((c) => c.systemId), ...runtimeClients])];
  return [
    { stream: names.in, kind: 'in', group: GROUPS.policy },
    ...[...poolsOf(allRoutes(config)).keys()].map((pool): OurStream => ({ stream: names.out(pool), kind: 'out', of: pool, group: GROUPS.sender })),
    { stream: names.dlrIn, kind: 'dlr-in', group: GROUPS.dlr },
    { stream: names.journal, kind: 'journal', group: GROUPS.journal },
    ...clients.map((sys): OurStream => ({ stream: names.dlr(sys), kind: 'dlr', of: sys, group: GROUPS.ingress })),
    { stream: names.dead, kind: 'dead' },
  ];
}
