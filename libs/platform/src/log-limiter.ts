/** Anything with pino's warn(obj, msg): a Logger, a child logger, the SMPP session's logger. */
export interface WarnSink {
  warn(obj: object, msg: string): void;
}

export interface LogLimiter {
  /**
   * Log `msg` now when `key` has not logged since the last tick; otherwise count it, and the
   * next tick writes one summary line (`suppressed`: how many were not written).
   */
  warn(log: WarnSink, key: string, fields: object, msg: string): void;
  /** Writes pending summaries and stops the timer. */
  close(): void;
}

export interface LogLimiterOptions {
  /** One summary line per key per interval at most (default 10 s). */
  intervalMs?: number;
  /** Keys tracked at once; past it every new key shares one overflow key (default 1000). */
  maxKeys?: number;
}

interface KeyState {
  log: WarnSink;
  fields: object;
  msg: string;
  suppressed: number;
}

const OVERFLOW = '\u0000overflow';

/**
 * Bounds warnings one peer can cause (failed binds, refused submits, malformed PDUs): each
 * reaches stdout and the journal's warn stream, so a client sending garbage in a loop must not
 * turn into a line per PDU. Per key at most one line at its first occurrence and one summary
 * per interval; with maxKeys, at most 2·(maxKeys+1) lines per interval whatever the peers do.
 */
export function createLogLimiter(opts: LogLimiterOptions = {}): LogLimiter {
  const intervalMs = opts.intervalMs ?? 10_000;
  const maxKeys = opts.maxKeys ?? 1_000;
  const keys = new Map<string, KeyState>();
  let timer: NodeJS.Timeout | undefined;

  const tick = () => {
    for (const [key, st] of keys) {
      if (st.suppressed === 0) {
        // Quiet for a whole interval: the next occurrence is logged at once again.
        keys.delete(key);
        continue;
      }
      st.log.warn({ ...st.fields, suppressed: st.suppressed, intervalMs }, st.msg);
      st.suppressed = 0;
    }
    if (keys.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  return {
    warn(log, key, fields, msg) {
      let k = key;
      if (!keys.has(k) && keys.size >= maxKeys) k = OVERFLOW;
      const st = keys.get(k);
      if (st) {
        st.suppressed++;
        Object.assign(st, { log, fields, msg });
        return;
      }
      keys.set(k, { log, fields, msg, suppressed: 0 });
      log.warn(fields, msg);
      if (!timer) {
        timer = setInterval(tick, intervalMs);
        timer.unref();
      }
    },
    close() {
      tick();
      if (timer) clearInterval(timer);
      timer = undefined;
      keys.clear();
    },
  };
}
