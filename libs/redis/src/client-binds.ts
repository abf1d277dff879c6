import { z } from 'zod';
import type { Redis } from './redis-client';
import { parseStored } from './stored-json';

/** One bound client session of an ingress. */
export const bindReportSchema = z.object({
  systemId: z.string(),
  session: z.string(),
  mode: z.enum(['transmitter', 'receiver', 'transceiver']),
  /** The client's address (a PROXY header's behind a balancer). */
  address: z.string(),
  /** When it bound (ms). */
  since: z.number(),
  /** submit_sm, data_sm and submit_multi PDUs received on it. */
  submits: z.number().int(),
  /** Of those, per second over the last report interval. */
  rate: z.number(),
});
export type BindReport = z.infer<typeof bindReportSchema>;

/** What one ingress reports of its bound sessions, and when. */
export const ingressBindsSchema = z.object({ instance: z.string(), at: z.number(), binds: z.array(bindReportSchema) });
export type IngressBinds = z.infer<typeof ingressBindsSchema>;

export const clientBindKeys = (prefix: string) => ({
  reporters: `${prefix}:clients:binds:reporters`,
  report: (instance: string) => `${prefix}:clients:binds:${instance}`,
});

/** How often each ingress reports its binds. */
export const BIND_REPORT_MS = 1_000;

/**
 * The ingresses' reports of their bound sessions, as the senders report their links
 * (link-control.ts): one key per ingress with an expiry, so an ingress that stopped drops out,
 * and a sorted set of who reported when.
 */
export function createBindReports(redis: Redis, prefix: string) {
  const keys = clientBindKeys(prefix);
  return {
    async report(r: IngressBinds, ttlMs: number): Promise<void> {
      await Promise.all([redis.set(keys.report(r.instance), JSON.stringify(r), 'PX', ttlMs), redis.zadd(keys.reporters, r.at, r.instance)]);
    },
    /** The latest report of each ingress that reported within `maxAgeMs`. */
    async reports(now = Date.now(), maxAgeMs = 10_000): Promise<IngressBinds[]> {
      await redis.zremrangebyscore(keys.reporters, '-inf', `(${now - maxAgeMs}`);
      const instances = await redis.zrange(keys.reporters, '0', '-1');
      const raw = await Promise.all(instances.map((i) => redis.get(keys.report(i))));
      return raw.flatMap((r) => {
        const p = parseStored(ingressBindsSchema, r);
        return p ? [p] : [];
      });
    },
    /** An ingress stopping: its binds are gone now, not when the key expires. */
    async withdraw(instance: string): Promise<void> {
      await Promise.all([redis.del(keys.report(instance)), redis.zrem(keys.reporters, instance)]);
    },
  };
}

export type BindReports = ReturnType<typeof createBindReports>;
