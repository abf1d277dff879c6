import { setTimeout as sleep } from 'node:timers/promises';
import type { AppMetrics, ClientConfig, LogLimiter, Logger } from '@smsgw/platform';
import type { ClientChange } from '@smsgw/redis';
import { STATUS, type SmppSession } from '@smsgw/smpp';
import { createAuthenticator, type BindMode, type BindResult } from './bind-auth';
import { lockoutAddress, type BindLockout } from './bind-lockout';

/** The clients in force, following the run-time registry (libs/redis client-registry.ts). */
export interface LiveClients {
  all(): readonly ClientConfig[];
  get(systemId: string): ClientConfig | undefined;
  isSuspended(systemId: string): boolean;
  onChange(cb: (change: ClientChange) => void): () => void;
}

export interface BindGateDeps {
  clients: readonly ClientConfig[];
  /** When given, it is followed instead of `clients`, and a suspended client's binds are refused. */
  live?: LiveClients;
  lockout: BindLockout;
  /** ingress.auth.failureDelayMs: a refused bind is answered this long after it came. */
  failureDelayMs: number;
  metrics: AppMetrics;
  /** Rate-limited warnings: a peer guessing in a loop must not write a line per guess. */
  warnings: LogLimiter;
}

/**
 * Everything a bind goes through before the session is bound: the lockout of its (system_id,
 * address) pair, then the password (scrypt), the client's address and certificate rules.
 *
 * - Locked out: refused with ESME_RBINDFAIL without looking at the password.
 * - Redis (the lockout state) does not answer: ESME_RSYSERR, again without a password check,
 *   so a guesser gains nothing while the counter is away.
 * - Refused: counted (maxFailures within windowMs start a lockout, doubling per repeat), and
 *   the answer comes failureDelayMs after the bind; the caller then closes the session.
 * - Suspended (admin API): refused with ESME_RBINDFAIL after a right password, not counted.
 * Every refusal counts `smsgw_errors_total{kind="bind_failed"}`; lockouts also `bind_lockout`,
 * binds refused by one `bind_locked_out`.
 */
export function createBindGate(deps: BindGateDeps) {
  const { lockout, metrics, warnings, live } = deps;
  const authenticate = createAuthenticator(live ? live.all() : deps.clients);
  live?.onChange(() => authenticate.update(live.all()));

  return async (session: SmppSession, log: Logger, systemId: string, password: string, mode: BindMode): Promise<BindResult> => {
    const arrived = Date.now();
    const remote = session.remoteAddress ?? '';
    const where = lockoutAddress(remote);
    const refuse = async (status: number, reason: string, fields: object = {}): Promise<BindResult> => {
      metrics.errors.inc({ kind: 'bind_failed' });
      // Keyed by address: a peer trying many system_ids is still one line per interval.
      warnings.warn(log, `bind-refused:${where}`, { systemId, remote, reason, ...fields }, 'bind refused');
      const wait = arrived + deps.failureDelayMs - Date.now();
      if (wait > 0) await sleep(wait);
      return { ok: false, status, reason };
    };

    let lockedMs: number;
    try {
      lockedMs = await lockout.lockedFor(systemId, remote);
    } catch (err) {
      warnings.warn(log, 'bind-lockout-unavailable', { err }, 'bind refused: lockout state (Redis) unavailable');
      return refuse(STATUS.ESME_RSYSERR, 'lockout state unavailable');
    }
    if (lockedMs > 0) {
      metrics.errors.inc({ kind: 'bind_locked_out' });
      return refuse(STATUS.ESME_RBINDFAIL, 'locked out', { lockedForMs: lockedMs });
    }

    const res = await authenticate({ systemId, password, mode, socket: session.socket, address: remote });
    // Checked after the password, so the refusal tells a guesser nothing; not a failure to count.
    if (res.ok && live?.isSuspended(systemId)) return refuse(STATUS.ESME_RBINDFAIL, 'client suspended');
    if (res.ok) {
      await lockout.succeeded(systemId, remote).catch((err) => warnings.warn(log, 'bind-lockout-unavailable', { err }, 'bind failure count not reset: Redis unavailable'));
      return res;
    }
    const lockoutMs = await lockout.failed(systemId, remote).catch((err) => {
      warnings.warn(log, 'bind-lockout-unavailable', { err }, 'bind failure not counted: Redis unavailable');
      return 0;
    });
    if (lockoutMs > 0) {
      metrics.errors.inc({ kind: 'bind_lockout' });
      warnings.warn(log, `bind-lockout:${where}`, { systemId, remote, lockoutMs }, 'bind lockout: too many failed binds from this address');
    }
    return refuse(res.status, res.reason);
  };
}
