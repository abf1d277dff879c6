import type { Logger, SmscConfig } from '@smsgw/platform';
import type { LinkMode } from '@smsgw/redis';
import { bindSession, connectSession, readPemFiles, STATUS, type Pdu, type SmppSession } from '@smsgw/smpp';

export interface SmscLinkDeps {
  smsc: SmscConfig;
  logger: Logger;
  /** An SMSC request (deliver_sm or data_sm): resolve with the status to answer (ROK only once it is durable). */
  onDeliver: (pdu: Pdu) => Promise<number>;
  onBoundChange?: (bound: number) => void;
}

/** How often a draining link looks whether what it has in flight was answered. */
const DRAIN_CHECK_MS = 50;

/**
 * The sessions of one SMSC (ESME side): `sessions` binds as transceiver with
 * interface_version 0x34, each reconnecting with exponential backoff. Submits go to the bound
 * session with the most free window — while the link's mode (set by operators, see
 * link-control.ts) is `active`. `suspended` offers no session for submits and keeps them bound;
 * `draining` does the same, waits until every request in flight was answered, then unbinds and
 * does not reconnect until the link is active again.
 */
export function createSmscLink(deps: SmscLinkDeps) {
  const { smsc, logger } = deps;
  const log = logger.child({ smscId: smsc.id });
  const bound = new Set<SmppSession>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  let mode: LinkMode = 'active';
  /** Slots a drain unbound: they connect again on resume. */
  const parked = new Set<number>();
  let drainTimer: NodeJS.Timeout | undefined;
  const waiters: Array<() => void> = [];
  const usable = () => (mode === 'active' ? bound.size : 0);
  // A function, not `mode === …` inline: the mode changes while a slot awaits.
  const draining = () => mode === 'draining';

  const notify = () => {
    deps.onBoundChange?.(bound.size);
    while (usable() && waiters.length) waiters.shift()!();
  };

  /** Draining: once nothing is in flight, every session unbinds (their slots park). */
  const drainWhenIdle = () => {
    clearTimeout(drainTimer);
    if (mode !== 'draining' || stopped) return;
    if ([...bound].some((s) => s.inFlight > 0)) {
      drainTimer = setTimeout(drainWhenIdle, DRAIN_CHECK_MS);
      return;
    }
    for (const s of bound) void s.unbind().catch(() => s.close());
  };

  const slot = async (index: number, attempt: number): Promise<void> => {
    if (stopped) return;
    let session: SmppSession | undefined;
    try {
      session = await connectSession({
        host: smsc.host,
        port: smsc.port,
        connectTimeoutMs: smsc.connectTimeoutMs,
        // PEM files are read at every connect: a renewed certificate is used from the next one on,
        // an unreadable file fails this attempt (logged, retried with backoff like any other).
        tls: smsc.tls && { ...readPemFiles(smsc.tls), servername: smsc.tls.servername, rejectUnauthorized: smsc.tls.rejectUnauthorized, minVersion: smsc.tls.minVersion },
        window: smsc.window,
        responseTimeoutMs: smsc.responseTimeoutMs,
        enquireLinkMs: smsc.enquireLinkMs,
        inactivityMs: smsc.inactivityMs,
        maxIncomingPending: smsc.incomingWindow,
        logger: log,
      });
      const s = session;
      s.on('pdu', (pdu: Pdu) => {
        // Receipts and MO come as deliver_sm (§4.6) or, from some SMSCs, as data_sm (§4.7): both
        // are handled alike and answered with their own *_resp.
        if (pdu.command !== 'deliver_sm' && pdu.command !== 'data_sm') return s.respond(pdu, { status: STATUS.ESME_RINVCMDID });
        deps.onDeliver(pdu).then(
          (status) => s.respond(pdu, { status, message_id: '' }),
          () => s.respond(pdu, { status: STATUS.ESME_RX_T_APPN, message_id: '' }),
        );
      });
      const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
      await bindSession(s, { mode: 'transceiver', system_id: smsc.systemId, password: smsc.password, system_type: smsc.systemType });
      if (stopped) return void s.close();
      if (draining()) {
        // Bound while the link drains: nothing to send on it.
        parked.add(index);
        return void s.unbind().catch(() => s.close());
      }
      bound.add(s);
      log.info({ sessionId: s.id, slot: index }, 'bound to SMSC');
      notify();
      attempt = 0;
      await closed;
      bound.delete(s);
      notify();
      if (draining() && !stopped) {
        parked.add(index);
        log.info({ sessionId: s.id, slot: index }, 'SMSC session unbound: link drained');
        return;
      }
      if (!stopped) log.warn({ sessionId: s.id, slot: index }, 'SMSC session closed; reconnecting');
    } catch (err) {
      session?.close();
      log.warn({ err: (err as Error).message, slot: index, attempt }, 'SMSC connect/bind failed');
    }
    if (stopped) return;
    if (draining()) return void parked.add(index);
    const delay = Math.min(smsc.reconnectMaxMs, smsc.reconnectMinMs * 2 ** Math.min(attempt, 10));
    const t = setTimeout(() => {
      timers.delete(t);
      void slot(index, attempt + 1);
    }, delay);
    timers.add(t);
  };

  return {
    id: smsc.id,
    /** The command messages go to this SMSC in (smscs[].submitWith). */
    submitWith: smsc.submitWith,
    /** How numbers go to this SMSC (smscs[].addressFormat, countryCode, trunkPrefix). */
    addressing: { format: smsc.addressFormat, countryCode: smsc.countryCode, trunkPrefix: smsc.trunkPrefix },
    /** Submits the SMSC answered (any status) since start: the link reports its send rate from it. */
    answered: 0,
    start() {
      for (let i = 0; i < smsc.sessions; i++) void slot(i, 0);
    },
    get mode(): LinkMode {
      return mode;
    },
    /** Obeys an operator's setting (link-control.ts); the same mode again changes nothing. */
    setMode(next: LinkMode) {
      if (next === mode || stopped) return;
      log.info({ from: mode, to: next }, 'link mode changed');
      mode = next;
      if (mode === 'draining') drainWhenIdle();
      if (mode === 'active') {
        clearTimeout(drainTimer);
        for (const i of parked) void slot(i, 0);
        parked.clear();
        notify();
      }
    },
    /** Sessions a submit may use now: the bound ones while the link is active, else none. */
    get boundCount() {
      return usable();
    },
    /** Sessions bound, whatever the mode (readiness, reports, forwarded cancel/replace). */
    get sessionsBound() {
      return bound.size;
    },
    /** Requests in flight over every session. */
    get inFlight() {
      let n = 0;
      for (const s of bound) n += s.inFlight;
      return n;
    },
    /** When a bound session last heard from the SMSC (null when none is bound). */
    get lastHeardAt(): number | null {
      let at: number | null = null;
      for (const s of bound) if (s.lastReceivedAt && (at === null || s.lastReceivedAt > at)) at = s.lastReceivedAt;
      return at;
    },
    /** The bound session with the most free window for a submit, or undefined when none may be used. */
    pick(): SmppSession | undefined {
      return usable() ? this.pickBound() : undefined;
    },
    /** The bound session with the most free window, whatever the mode (forwarded cancel/replace of a suspended link). */
    pickBound(): SmppSession | undefined {
      let best: SmppSession | undefined;
      for (const s of bound) if (!s.closed && (!best || s.inFlight < best.inFlight)) best = s;
      return best;
    },
    /** Resolves true when a session may be used for submits; false after `ms`, on `signal`, or when the link stops. */
    waitBound(ms: number, signal?: AbortSignal): Promise<boolean> {
      if (usable()) return Promise.resolve(true);
      if (stopped || signal?.aborted) return Promise.resolve(false);
      return new Promise((resolve) => {
        const done = (v: boolean) => {
          clearTimeout(t);
          signal?.removeEventListener('abort', onAbort);
          const i = waiters.indexOf(wake);
          if (i >= 0) waiters.splice(i, 1);
          resolve(v);
        };
        const wake = () => done(usable() > 0);
        const onAbort = () => done(false);
        const t = setTimeout(wake, ms);
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(wake);
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(drainTimer);
      for (const t of timers) clearTimeout(t);
      await Promise.allSettled([...bound].map((s) => s.unbind().catch(() => s.close())));
      for (const s of bound) s.close();
      bound.clear();
      while (waiters.length) waiters.shift()!();
    },
  };
}

export type SmscLink = ReturnType<typeof createSmscLink>;
