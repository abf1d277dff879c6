import type { Logger } from '@smsgw/platform';
import { BIND_REPORT_MS, type BindReports, type ClientChange } from '@smsgw/redis';
import type { BoundSessions } from './bound-sessions';

export interface ClientLiveDeps {
  registry: { onChange(cb: (change: ClientChange) => void): () => void };
  bound: BoundSessions;
  reports: BindReports;
  instance: string;
  logger: Logger;
  reportEveryMs?: number;
}

/**
 * What this ingress does for the run-time client registry: unbinds the sessions of a client
 * that was removed, suspended or asked to disconnect (every ingress sees the change within the
 * registry's poll), and reports its bound sessions with their submit rate every second (with an
 * expiry of a few intervals, so a dead ingress drops out of the admin API's view).
 */
export function startClientLive(deps: ClientLiveDeps) {
  const everyMs = deps.reportEveryMs ?? BIND_REPORT_MS;
  const unsubscribe = deps.registry.onChange((change) => {
    const why: Array<[string[], string]> = [[change.removed, 'client removed'], [change.suspended, 'client suspended'], [change.disconnect, 'disconnect asked']];
    for (const [ids, reason] of why) {
      for (const sys of ids) {
        const n = deps.bound.unbindClient(sys, reason);
        if (n) deps.logger.info({ systemId: sys, sessions: n, reason }, 'client sessions unbound');
      }
    }
  });

  // The submit counts of the previous report, per session: the rate is their difference.
  let last = new Map<string, number>();
  let lastAt = Date.now();
  let failing = false;
  const report = async () => {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - lastAt) / 1000);
    const binds = deps.bound.list().map((b) => {
      const before = last.get(b.session) ?? 0;
      return { systemId: b.systemId, session: b.session, mode: b.mode, address: b.address, since: b.since, submits: b.submits, rate: Math.round(((b.submits - before) / seconds) * 10) / 10 };
    });
    last = new Map(binds.map((b) => [b.session, b.submits]));
    lastAt = now;
    try {
      await deps.reports.report({ instance: deps.instance, at: now, binds }, everyMs * 5);
      failing = false;
    } catch (err) {
      if (!failing) deps.logger.warn({ err }, 'bind report not written: Redis unavailable');
      failing = true;
    }
  };
  const timer = setInterval(() => void report(), everyMs);
  timer.unref();
  void report();
  return {
    async close(): Promise<void> {
      clearInterval(timer);
      unsubscribe();
      await deps.reports.withdraw(deps.instance).catch(() => undefined);
    },
  };
}
