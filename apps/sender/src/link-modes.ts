import type { AppMetrics, Logger } from '@smsgw/platform';
import { LINK_POLL_MS, type LinkControl, type LinkReport } from '@smsgw/redis';
import type { SmscLink } from './smsc-link';

export interface LinkModesDeps {
  control: Pick<LinkControl, 'settings' | 'report'>;
  links: Map<string, SmscLink>;
  /** Sessions configured per SMSC (for the report). */
  sessions: Map<string, number>;
  /** The link limiters (SMSCs with a throughput): their effective rate goes in the report. */
  limiters?: ReadonlyMap<string, { readonly effectiveRate: number }>;
  instance: string;
  logger: Logger;
  /** smsgw_link_sending per SMSC (the link-down alert leaves links operators stopped alone). */
  metrics?: Pick<AppMetrics, 'linkSending'>;
  pollMs?: number;
  reportMs?: number;
}

/**
 * Keeps this sender's links in the modes operators set (link-control.ts): the settings are read
 * every `pollMs` and each link obeys at once; and reports, every `reportMs`, what each link is
 * doing here (mode, sessions bound, requests in flight, when the SMSC was last heard), for the
 * admin API. A read that fails leaves the links as they are and is tried again next time.
 */
export function startLinkModes(deps: LinkModesDeps) {
  const pollMs = deps.pollMs ?? LINK_POLL_MS;
  const reportMs = deps.reportMs ?? 2_000;
  let failing = false;

  const apply = async () => {
    try {
      const settings = await deps.control.settings();
      for (const link of deps.links.values()) {
        link.setMode(settings.get(link.id)?.mode ?? 'active');
        deps.metrics?.linkSending.set({ peer: link.id }, link.mode === 'active' ? 1 : 0);
      }
      failing = false;
    } catch (err) {
      // One line per outage, not one per poll.
      if (!failing) deps.logger.warn({ err }, 'link settings not read; links keep their modes');
      failing = true;
    }
  };

  // Each link's answered count at the previous report: the send rate is the difference over time.
  const last = new Map<string, { answered: number; at: number }>();
  const report = async () => {
    const now = Date.now();
    const links: LinkReport[] = [...deps.links.values()].map((l) => {
      const prev = last.get(l.id);
      last.set(l.id, { answered: l.answered, at: now });
      const sendRate = prev && now > prev.at ? Math.round(((l.answered - prev.answered) * 1000) / (now - prev.at)) : 0;
      return {
        smsc: l.id, mode: l.mode, sessions: deps.sessions.get(l.id) ?? 0, bound: l.sessionsBound, inFlight: l.inFlight, lastHeardAt: l.lastHeardAt,
        effectiveRate: deps.limiters?.get(l.id)?.effectiveRate ?? null, sendRate,
      };
    });
    await deps.control.report({ instance: deps.instance, at: Date.now(), links }, reportMs * 3).catch(() => undefined);
  };

  const poller = setInterval(() => void apply(), pollMs);
  const reporter = setInterval(() => void report(), reportMs);
  const first = apply();
  void report();
  return {
    /** The first read of the settings (tests wait for it). */
    ready: first,
    close: async () => {
      clearInterval(poller);
      clearInterval(reporter);
    },
  };
}
