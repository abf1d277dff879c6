import { GROUPS, streamNames } from '@smsgw/contracts';
import { normaliseSmscMsgId, poolsOf } from '@smsgw/domain';
import { allRoutes, type GatewayConfig } from '@smsgw/platform';
import { streamGroups, type Redis } from '@smsgw/redis';
import type { MessageRecord, StateStore } from '@smsgw/store';

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

/**
 * Finds a message by an SMSC message id as an operator pastes it: tried in the SMSC's submit
 * and receipt id formats (config `smscs[].ids`), so a hex id from a receipt finds a message whose
 * submit_sm_resp id was decimal.
 */
export async function findBySmscId(store: StateStore, config: GatewayConfig, smsc: string, smscMsgId: string) {
  const ids = config.smscs.find((s) => s.id === smsc)?.ids ?? { submit: 'text' as const, receipt: 'text' as const };
  for (const format of new Set([ids.submit, ids.receipt, 'text' as const])) {
    const corr = await store.findCorrelation(smsc, normaliseSmscMsgId(smscMsgId, format));
    if (corr) return corr;
  }
  return null;
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
