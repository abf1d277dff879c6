import { masters, type Redis } from './redis-client';

export interface StreamGroupInfo {
  name: string;
  consumers: number;
  /** Delivered to a consumer and not acknowledged. */
  pending: number;
  /** Not yet delivered; null when Redis 7.0 cannot tell (after deletions). */
  lag: number | null;
  lastDeliveredId: string;
}

/** XINFO GROUPS as objects; a stream that does not exist has no groups. */
export async function streamGroups(redis: Redis, stream: string): Promise<StreamGroupInfo[]> {
  const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
  return groups.map((g) => {
    const info: Record<string, unknown> = {};
    for (let i = 0; i + 1 < g.length; i += 2) info[String(g[i])] = g[i + 1];
    return {
      name: String(info.name),
      consumers: Number(info.consumers),
      pending: Number(info.pending),
      lag: info.lag === null || info.lag === undefined ? null : Number(info.lag),
      lastDeliveredId: String(info['last-delivered-id']),
    };
  });
}

/**
 * Entries a consumer group has still to handle: not yet delivered (lag) plus delivered and not
 * acked. Without the group — or when Redis 7.0 cannot tell the lag (after deletions) — the
 * stream's length bounds it.
 */
export async function groupBacklog(redis: Redis, stream: string, group?: string): Promise<number> {
  if (group) {
    const g = (await streamGroups(redis, stream)).find((x) => x.name === group);
    if (g && g.lag !== null) return g.lag + g.pending;
  }
  return redis.xlen(stream);
}

/** CPU seconds (user + system) the Redis server — every master of a cluster — has used (INFO cpu): for benchmarks. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  return cpuInfoSeconds(redis, 'used_cpu_user', 'used_cpu_sys');
}

/**
 * CPU seconds (user + system) the processes Redis forked — AOF rewrites, RDB snapshots — used
 * once they ended (INFO cpu `used_cpu_*_children`; every master of a cluster): for benchmarks.
 * With AOF on, a rewrite runs whenever the file has doubled; it is not in redisCpuSeconds.
 */
export async function redisForkCpuSeconds(redis: Redis): Promise<number> {
  return cpuInfoSeconds(redis, 'used_cpu_user_children', 'used_cpu_sys_children');
}

async function cpuInfoSeconds(redis: Redis, ...fields: string[]): Promise<number> {
  let total = 0;
  for (const node of await masters(redis)) {
    const info = await node.info('cpu');
    for (const k of fields) total += Number(new RegExp(`^${k}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0);
  }
  return total;
}

/**
 * Calls per command the Redis server — every master of a cluster — has served since it started
 * (INFO commandstats; a script's own calls count under their command too): for benchmarks,
 * which subtract two readings.
 */
export async function redisCommandCalls(redis: Redis): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const node of await masters(redis)) {
    const info = await node.info('commandstats');
    for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
  }
  return out;
}

/** What `after` adds to `before`, per message, largest first (commands below 0.01 per message left out). */
export function commandsPerMessage(before: Record<string, number>, after: Record<string, number>, messages: number): Record<string, number> {
  const rows = Object.entries(after)
    .map(([cmd, n]) => [cmd, Math.round(((n - (before[cmd] ?? 0)) / messages) * 100) / 100] as const)
    .filter(([, v]) => v >= 0.01)
    .sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(rows);
}
