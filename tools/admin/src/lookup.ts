import { GROUPS, streamNames } from '@smsgw/contracts';
import { poolsOf } from '@smsgw/domain';
import { allRoutes, type GatewayConfig } from '@smsgw/platform';
import { streamGroups, type Redis } from '@smsgw/redis';
import { findBySmscId as findInFormats, type MessageRecord, type StateStore } from '@smsgw/store';

/** A message as support sees it: the record, its parts, and its transitions in time order. */
export function describeMessage(rec: MessageRecord) {
  return {
    ...rec,
    history: Object.entries(rec.times)
      .map(([state, at]) => ({ state, at: new Date(at!).toISOString() }))
      .sort((a, b) => a.at.localeCompare(b.at)),
    parts: rec.partStates.map((state, part) => ({ part, smscMsgId: rec.smscIds[part] ?? null, state })),
  };
}

/** The message an SMSC message id belongs to, in the formats config `smscs[].ids` names for that SMSC. */
export function findBySmscId(store: StateStore, config: GatewayConfig, smsc: string, smscMsgId: string) {
  return findInFormats(store, smsc, smscMsgId, config.smscs.find((s) => s.id === smsc)?.ids);
}

/** Length, pending and lag of every stream a stage reads. */
export async function streamStatus(redis: Redis, config: GatewayConfig) {
  const names = streamNames(config.redis.prefix);
  const pools = [...poolsOf(allRoutes(config)).keys()];
  const watch: Array<[string, string]> = [
    [names.in, GROUPS.policy],
    ...pools.map((p): [string, string] => [names.out(p), GROUPS.sender]),
    [names.dlrIn, GROUPS.dlr],
    [names.journal, GROUPS.journal],
    ...config.clients.map((c): [string, string] => [names.dlr(c.systemId), GROUPS.ingress]),
    [names.dead, '-'],
  ];
  const out: Array<{ stream: string; length: number; pending?: number; lag?: number }> = [];
  for (const [stream, group] of watch) {
    const length = await redis.xlen(stream);
    const g = (await streamGroups(redis, stream)).find((x) => x.name === group);
    out.push({ stream, length, pending: g?.pending, lag: g?.lag ?? undefined });
  }
  return out;
}
