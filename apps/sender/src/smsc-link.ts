import type { Logger, SmscConfig } from '@smsgw/platform';
import { bindSession, connectSession, readPemFiles, STATUS, type Pdu, type SmppSession } from '@smsgw/smpp';

export interface SmscLinkDeps {
  smsc: SmscConfig;
  logger: Logger;
  /** An SMSC request (deliver_sm or data_sm): resolve with the status to answer (ROK only once it is durable). */
  onDeliver: (pdu: Pdu) => Promise<number>;
  onBoundChange?: (bound: number) => void;
}

/**
 * The sessions of one SMSC (ESME side): `sessions` binds as transceiver with
 * interface_version 0x34, each reconnecting with exponential backoff. Submits go to the bound
 * session with the most free window.
 */
export function createSmscLink(deps: SmscLinkDeps) {
  const { smsc, logger } = deps;
  const log = logger.child({ smscId: smsc.id });
  const bound = new Set<SmppSession>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const waiters: Array<() => void> = [];

  const notify = () => {
    deps.onBoundChange?.(bound.size);
    while (bound.size && waiters.length) waiters.shift()!();
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
      bound.add(s);
      log.info({ sessionId: s.id, slot: index }, 'bound to SMSC');
      notify();
      attempt = 0;
      await closed;
      bound.delete(s);
      notify();
      if (!stopped) log.warn({ sessionId: s.id, slot: index }, 'SMSC session closed; reconnecting');
    } catch (err) {
      session?.close();
      log.warn({ err: (err as Error).message, slot: index, attempt }, 'SMSC connect/bind failed');
    }
    if (stopped) return;
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
    start() {
      for (let i = 0; i < smsc.sessions; i++) void slot(i, 0);
    },
    get boundCount() {
      return bound.size;
    },
    /** The bound session with the most free window, or undefined when none is bound. */
    pick(): SmppSession | undefined {
      let best: SmppSession | undefined;
      for (const s of bound) if (!s.closed && (!best || s.inFlight < best.inFlight)) best = s;
      return best;
    },
    /** Resolves true when a session is bound; false after `ms`, on `signal`, or when the link stops. */
    waitBound(ms: number, signal?: AbortSignal): Promise<boolean> {
      if (bound.size) return Promise.resolve(true);
      if (stopped || signal?.aborted) return Promise.resolve(false);
      return new Promise((resolve) => {
        const done = (v: boolean) => {
          clearTimeout(t);
          signal?.removeEventListener('abort', onAbort);
          const i = waiters.indexOf(wake);
          if (i >= 0) waiters.splice(i, 1);
          resolve(v);
        };
        const wake = () => done(bound.size > 0);
        const onAbort = () => done(false);
        const t = setTimeout(wake, ms);
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(wake);
      });
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await Promise.allSettled([...bound].map((s) => s.unbind().catch(() => s.close())));
      for (const s of bound) s.close();
      bound.clear();
      while (waiters.length) waiters.shift()!();
    },
  };
}

export type SmscLink = ReturnType<typeof createSmscLink>;
