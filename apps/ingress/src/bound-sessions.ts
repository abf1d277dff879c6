import type { Logger } from '@smsgw/platform';
import type { SmppSession } from '@smsgw/smpp';
import type { BindMode } from './bind-auth';

/** One bound client session, as the admin API shows it. */
export interface BoundSession {
  systemId: string;
  mode: BindMode;
  address: string;
  since: number;
  /** submit_sm, data_sm and submit_multi PDUs received on it: the report derives the rate. */
  submits: number;
}

/** How long an unbound session may take to answer unbind before it is closed anyway. */
export const UNBIND_GRACE_MS = 500;

/**
 * The bound sessions of this ingress, by client: what it reports to Redis every second, and
 * what an operator's suspend, disconnect or removal of the client unbinds.
 */
export function createBoundSessions(logger: Logger) {
  const sessions = new Map<SmppSession, BoundSession>();
  return {
    add(session: SmppSession, info: Omit<BoundSession, 'submits'>): BoundSession {
      const b = { ...info, submits: 0 };
      sessions.set(session, b);
      return b;
    },
    remove(session: SmppSession): void {
      sessions.delete(session);
    },
    list(): Array<BoundSession & { session: string }> {
      return [...sessions].map(([s, b]) => ({ ...b, session: s.id }));
    },
    /**
     * §4.2: sends unbind to each of the client's sessions and closes it once answered or after
     * `graceMs`. Submits acknowledged before are in `in` already; one answered after the close
     * never got its ESME_ROK, so the client sends it again: nothing acknowledged is lost.
     */
    unbindClient(systemId: string, reason: string, graceMs = UNBIND_GRACE_MS): number {
      let n = 0;
      for (const [s, b] of sessions) {
        if (b.systemId !== systemId) continue;
        n++;
        sessions.delete(s);
        logger.info({ systemId, sessionId: s.id, reason }, 'unbinding client session');
        void s.unbind();
        setTimeout(() => s.close(), graceMs).unref();
      }
      return n;
    },
    get size(): number {
      return sessions.size;
    },
  };
}

export type BoundSessions = ReturnType<typeof createBoundSessions>;
