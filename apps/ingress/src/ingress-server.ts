import type { Server } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { createLogLimiter, ingressConnectionsSchema, type ClientConfig, type GatewayConfig, type Logger, type LogLimiter, type AppMetrics } from '@smsgw/platform';
import { createSmppServer, createSmppTlsServer, listen, readPemFiles, STATUS, type Pdu, type SmppSession } from '@smsgw/smpp';
import { createConnectionGuard } from './connection-guard';
import type { BindMode } from './bind-auth';
import { createBindGate, type LiveClients } from './bind-gate';
import { createBoundSessions, type BoundSession } from './bound-sessions';
import type { BindLockout } from './bind-lockout';
import { createLocalBindCounter, type BindCounter } from './bind-counter';
import type { SubmitOutcome } from './submit-handler';
import { createDataSmHandler } from './data-sm';
import type { SubmitMultiOutcome } from './submit-multi';
import type { QueryOutcome } from './query-handler';
import type { CancelOutcome } from './cancel-handler';
import type { ReplaceOutcome } from './replace-handler';

export interface IngressServerDeps {
  host: string;
  port: number;
  /** `ingress.tls`: a TLS listener beside the plain one (or alone with `only`). */
  tls?: GatewayConfig['ingress']['tls'];
  /** `ingress.proxyProtocol`: the plain listener reads a PROXY header first (client address behind a balancer). */
  proxyProtocol?: boolean;
  /** `ingress.connections` (default: the schema's defaults). */
  connections?: GatewayConfig['ingress']['connections'];
  clients: readonly ClientConfig[];
  /** The run-time client registry: followed instead of `clients`; suspended or removed clients cannot bind. */
  live?: LiveClients;
  session: { window: number; sessionInitMs: number; enquireLinkMs: number; inactivityMs: number; responseTimeoutMs: number; receiptWindow: number };
  /** submit_sm, and data_sm turned into the submit_sm it stands for (data-sm.ts). */
  submit: (pdu: Pdu, sys: string) => Promise<SubmitOutcome>;
  /** submit_multi (submit-multi.ts); absent: answered ESME_RINVCMDID. */
  submitMulti?: (pdu: Pdu, sys: string) => Promise<SubmitMultiOutcome>;
  query: (pdu: Pdu, sys: string) => Promise<QueryOutcome>;
  /** cancel_sm (cancel-handler.ts); absent: answered ESME_RCANCELFAIL. */
  cancel?: (pdu: Pdu, sys: string) => Promise<CancelOutcome>;
  /** replace_sm (replace-handler.ts); absent: answered ESME_RREPLACEFAIL. */
  replace?: (pdu: Pdu, sys: string) => Promise<ReplaceOutcome>;
  receipts: { attach(sys: string, s: SmppSession): void; detach(sys: string, s: SmppSession): void };
  metrics: AppMetrics;
  logger: Logger;
  /** `ingress.auth`: failed-bind lockout (shared through Redis) and the delay of a refused bind. */
  auth: { lockout: BindLockout; failureDelayMs: number };
  /** Warnings a peer can repeat at will go through this (default: one line per key per 10 s). */
  warnings?: LogLimiter;
  /** `clients[].maxBinds` is counted here: across instances through Redis (default: this process only). */
  binds?: BindCounter;
  /** `http.peerLabels`: count submits per client system_id too (smsgw_client_submits_total). */
  clientMetrics?: boolean;
}

/** A load balancer sends its PROXY header with the connection; anything slower is not one. */
const PROXY_HEADER_TIMEOUT_MS = 5_000;

const BIND_MODES: Record<string, BindMode> = {
  bind_transmitter: 'transmitter',
  bind_receiver: 'receiver',
  bind_transceiver: 'transceiver',
};

/**
 * The SMPP server clients bind to: the session state machine of SMPP v3.4 §2.2/2.3 (OPEN →
 * BOUND_TX/RX/TRX → CLOSED) on top of the session layer, which owns framing, window and timers.
 */
export function createIngressServer(deps: IngressServerDeps) {
  const warnings = deps.warnings ?? createLogLimiter();
  const bindGate = createBindGate({ clients: deps.clients, live: deps.live, ...deps.auth, metrics: deps.metrics, warnings });
  const binds = deps.binds ?? createLocalBindCounter();
  const sessions = new Set<SmppSession>();
  const { logger, metrics } = deps;
  const boundSessions = createBoundSessions(logger);
  const guard = createConnectionGuard(deps.connections ?? ingressConnectionsSchema.parse({}), { metrics, logger });
  const dataSm = createDataSmHandler(deps.submit);
  /** A submit's response went out: its time since the PDU came in, and (opt-in) the client's count. */
  const answered = (pdu: Pdu, client: string, startedAt: number, outcome: string) => {
    metrics.submitResponse.observe({ command: pdu.command }, (performance.now() - startedAt) / 1000);
    if (deps.clientMetrics) metrics.clientSubmits.inc({ client, outcome });
  };

  const onSession = (session: SmppSession) => {
    sessions.add(session);
    guard.accepted(session);
    let mode: BindMode | undefined;
    let sys: string | undefined;
    let info: BoundSession | undefined;
    const log = logger.child({ sessionId: session.id });
    // §7.2 session_init_timer: a connection that does not bind in time is closed (never off: an
    // open port must not keep anonymous sockets forever).
    const initTimer = setTimeout(() => {
      if (!mode) {
        log.info('no bind within session_init time: closing');
        session.close();
      }
    }, deps.session.sessionInitMs);

    const unbound = () => {
      if (initTimer) clearTimeout(initTimer);
      sessions.delete(session);
      boundSessions.remove(session);
      if (!sys || !mode) return;
      void binds.release(sys, session.id);
      metrics.sessionsBound.dec({ side: 'client', peer: sys });
      if (mode !== 'transmitter') deps.receipts.detach(sys, session);
      log.info({ systemId: sys }, 'session closed');
      sys = undefined;
    };
    session.on('close', unbound);

    let binding = false;
    const bound = (pdu: Pdu, bindMode: BindMode, client: ClientConfig) => {
      mode = bindMode;
      guard.bound(session);
      sys = client.systemId;
      if (initTimer) clearTimeout(initTimer);
      metrics.sessionsBound.inc({ side: 'client', peer: sys });
      info = boundSessions.add(session, { systemId: sys, mode, address: session.remoteAddress ?? '', since: Date.now() });
      session.respond(pdu, { system_id: 'smsgw' });
      log.info({ systemId: sys, mode }, 'client bound');
      if (mode !== 'transmitter') deps.receipts.attach(sys, session);
    };

    session.on('pdu', (pdu: Pdu) => {
      const bindMode = BIND_MODES[pdu.command];
      if (bindMode) {
        // One bind at a time: a second one while the first is checked is not a fresh guess.
        if (mode || binding) return session.respond(pdu, { status: STATUS.ESME_RALYBND });
        binding = true;
        void bindGate(session, log, pdu.system_id ?? '', pdu.password ?? '', bindMode).then(async (res) => {
          if (session.closed) return void (binding = false);
          if (!res.ok) {
            binding = false;
            // One guess per connection: the refusal (already delayed) goes out, then the socket closes.
            session.respond(pdu, { status: res.status });
            return session.close();
          }
          // maxBinds across every instance (a Redis that does not answer: ESME_RSYSERR below).
          const taken = await binds.acquire(res.client.systemId, session.id, res.client.maxBinds);
          binding = false;
          if (session.closed) {
            // Closed while the slot was being taken: give it back.
            if (taken) void binds.release(res.client.systemId, session.id);
            return;
          }
          // Removed or suspended while its password was checked: the registry's word is the last.
          const gone = deps.live && (!deps.live.get(res.client.systemId) || deps.live.isSuspended(res.client.systemId));
          if (taken && gone) {
            void binds.release(res.client.systemId, session.id);
            log.info({ systemId: res.client.systemId }, 'bind refused: client removed or suspended meanwhile');
            session.respond(pdu, { status: STATUS.ESME_RBINDFAIL });
            return session.close();
          }
          if (!taken) {
            warnings.warn(log, `too-many-binds:${res.client.systemId}`, { systemId: res.client.systemId }, 'bind refused: too many binds');
            session.respond(pdu, { status: STATUS.ESME_RBINDFAIL });
            return session.close();
          }
          bound(pdu, bindMode, res.client);
        }).catch((err: unknown) => {
          binding = false;
          log.error({ err }, 'bind check failed');
          session.respond(pdu, { status: STATUS.ESME_RSYSERR });
          session.close();
        });
        return;
      }
      if (!mode || !sys) {
        // §2.3: before bind only bind (and enquire_link, answered by the session) is allowed.
        return session.respond(pdu, { status: STATUS.ESME_RINVBNDSTS });
      }
      // data_sm (§4.7) is a message like submit_sm: the same checks, the same `in` entry, and its
      // data_sm_resp carries the same UUID or status.
      const accept = pdu.command === 'submit_sm' ? deps.submit : pdu.command === 'data_sm' ? dataSm : undefined;
      if (accept) {
        // §2.3: both are transmit commands, refused on a receiver bind.
        if (mode === 'receiver') return session.respond(pdu, { status: STATUS.ESME_RINVBNDSTS });
        const client = sys;
        if (info) info.submits++;
        const startedAt = performance.now();
        accept(pdu, client)
          .then((out) => {
            answered(pdu, client, startedAt, out.status === STATUS.ESME_ROK ? 'accepted' : `status_${out.status}`);
            if (out.status === STATUS.ESME_ROK) {
              metrics.messages.inc({ stage: 'ingress', outcome: 'accepted' });
              session.respond(pdu, { message_id: out.messageId });
            } else {
              metrics.messages.inc({ stage: 'ingress', outcome: `status_${out.status}` });
              // A client over its rate is refused per PDU: one line per client and status per interval.
              warnings.warn(log, `submit-refused:${client}:${out.status}`, { systemId: client, command: pdu.command, status: out.status, reason: out.reason }, 'submit refused');
              session.respond(pdu, { status: out.status, message_id: '' });
            }
          })
          .catch((err) => {
            log.error({ err, command: pdu.command }, 'submit failed');
            session.respond(pdu, { status: STATUS.ESME_RSYSERR, message_id: '' });
          });
        return;
      }
      if (pdu.command === 'submit_multi' && deps.submitMulti) {
        // §2.3: a transmit command, refused on a receiver bind.
        if (mode === 'receiver') return session.respond(pdu, { status: STATUS.ESME_RINVBNDSTS });
        const client = sys;
        if (info) info.submits++;
        const startedAt = performance.now();
        deps.submitMulti(pdu, client)
          .then((out) => {
            answered(pdu, client, startedAt, out.status === STATUS.ESME_ROK ? 'accepted' : `status_${out.status}`);
            // Counted per destination: each accepted one is a message of its own.
            for (const u of out.unsuccess ?? []) metrics.messages.inc({ stage: 'ingress', outcome: `status_${u.error_status_code}` });
            if (out.status === STATUS.ESME_ROK) {
              metrics.messages.inc({ stage: 'ingress', outcome: 'accepted' }, out.accepted ?? 0);
              return session.respond(pdu, { message_id: out.messageId, unsuccess_smes: out.unsuccess ?? [] });
            }
            if (!out.unsuccess) metrics.messages.inc({ stage: 'ingress', outcome: `status_${out.status}` });
            warnings.warn(log, `submit-refused:${client}:${out.status}`, { systemId: client, command: pdu.command, status: out.status, reason: out.reason }, 'submit refused');
            session.respond(pdu, { status: out.status, message_id: '', unsuccess_smes: out.unsuccess ?? [] });
          })
          .catch((err) => {
            log.error({ err, command: pdu.command }, 'submit failed');
            session.respond(pdu, { status: STATUS.ESME_RSYSERR, message_id: '' });
          });
        return;
      }
      if (pdu.command === 'query_sm') {
        const client = sys;
        deps.query(pdu, client).then(
          (out) => session.respond(pdu, Object.assign({ status: out.status }, out.fields)),
          (err) => {
            log.warn({ err, systemId: client }, 'query_sm failed');
            session.respond(pdu, { status: STATUS.ESME_RQUERYFAIL });
          },
        );
        return;
      }
      const change = pdu.command === 'cancel_sm' ? deps.cancel : pdu.command === 'replace_sm' ? deps.replace : undefined;
      if (change) {
        // §2.3: transmit commands, refused on a receiver bind.
        if (mode === 'receiver') return session.respond(pdu, { status: STATUS.ESME_RINVBNDSTS });
        const client = sys;
        const failed = pdu.command === 'cancel_sm' ? STATUS.ESME_RCANCELFAIL : STATUS.ESME_RREPLACEFAIL;
        change(pdu, client).then(
          (out) => {
            if (out.status === STATUS.ESME_ROK) log.info({ systemId: client, msgId: pdu.message_id, command: pdu.command, detail: out.reason }, 'message changed');
            // A refusal is an ordinary answer (the message went to its SMSC already): not a warning.
            else log.debug({ systemId: client, msgId: pdu.message_id, command: pdu.command, status: out.status, reason: out.reason }, 'change refused');
            session.respond(pdu, { status: out.status });
          },
          (err) => {
            log.warn({ err, systemId: client, command: pdu.command }, 'change failed');
            session.respond(pdu, { status: failed });
          },
        );
        return;
      }
      // Without their handlers cancel_sm and replace_sm fail with their own status (§5.1.3);
      // other commands this gateway does not offer (deliver_sm from a client…) get their
      // *_resp with ESME_RINVCMDID.
      if (pdu.command === 'cancel_sm') return session.respond(pdu, { status: STATUS.ESME_RCANCELFAIL });
      if (pdu.command === 'replace_sm') return session.respond(pdu, { status: STATUS.ESME_RREPLACEFAIL });
      session.respond(pdu, { status: STATUS.ESME_RINVCMDID });
    });
  };

  // The certificate, key and CA of `ingress.tls`, read now (start and SIGHUP).
  const tlsContext = (tls: NonNullable<IngressServerDeps['tls']>) => ({ ...readPemFiles(tls), minVersion: tls.minVersion });

  let server: Server | undefined;
  let tlsServer: TlsServer | undefined;
  let plainPort: number | undefined;
  let tlsPort: number | undefined;
  return {
    /** Listens and returns the plain port (the TLS one with `tls.only`); both are on `port`/`tlsPort`. */
    async start(): Promise<number> {
      const sessionOpts = {
        maxIncomingPending: deps.session.window,
        window: deps.session.receiptWindow,
        enquireLinkMs: deps.session.enquireLinkMs,
        inactivityMs: deps.session.inactivityMs,
        responseTimeoutMs: deps.session.responseTimeoutMs,
        logger,
        admit: guard.admit,
        noisyWarn: warnings.warn,
      };
      if (!deps.tls?.only) {
        server = createSmppServer(onSession, {
          ...sessionOpts,
          // Behind a load balancer: the header is due at once; a connection without one is counted and closed.
          proxyProtocol: deps.proxyProtocol ? { timeoutMs: PROXY_HEADER_TIMEOUT_MS, onError: () => metrics.errors.inc({ kind: 'proxy_header_missing' }) } : undefined,
        });
        plainPort = await listen(server, deps.port, deps.host);
      }
      if (deps.tls) {
        tlsServer = createSmppTlsServer(
          onSession,
          {
            ...tlsContext(deps.tls),
            // A client certificate is asked for but checked by the bind (clients[].certSubject), so a
            // client without one can still bind with its password: socket.authorized says if it verified.
            requestCert: deps.tls.requestCert,
            rejectUnauthorized: false,
            // A handshake counts against the session_init time too.
            handshakeTimeout: deps.session.sessionInitMs,
          },
          sessionOpts,
        );
        // Failed handshakes (scanners, old TLS versions, untrusted clients) are counted, not logged one by one.
        tlsServer.on('tlsClientError', () => metrics.errors.inc({ kind: 'tls_handshake_failed' }));
        tlsPort = await listen(tlsServer, deps.tls.port, deps.host);
      }
      return (plainPort ?? tlsPort)!;
    },
    get port(): number | undefined {
      return plainPort;
    },
    get tlsPort(): number | undefined {
      return tlsPort;
    },
    /**
     * SIGHUP: read the TLS files again; new connections get the new certificate, open ones keep
     * theirs. A file that cannot be read or used logs an error and the old certificate stays.
     */
    reloadTls(): boolean {
      if (!deps.tls || !tlsServer) return false;
      try {
        tlsServer.setSecureContext(tlsContext(deps.tls));
        logger.info({ cert: deps.tls.cert }, 'TLS certificate reloaded');
        return true;
      } catch (err) {
        logger.error({ err, cert: deps.tls.cert, key: deps.tls.key, ca: deps.tls.ca }, 'TLS certificate reload failed: keeping the old one');
        return false;
      }
    },
    async close(): Promise<void> {
      // Stop accepting, then unbind every client so none is cut mid-PDU (§4.2).
      const closing = [server, tlsServer].map((srv) => (srv ? new Promise<void>((r) => srv.close(() => r())) : Promise.resolve()));
      await Promise.allSettled([...sessions].map((s) => s.unbind().catch(() => s.close())));
      for (const s of sessions) s.close();
      await Promise.all(closing);
      guard.close();
    },
    get sessionCount() {
      return sessions.size;
    },
    /** The bound sessions by client: reported to Redis, unbound on suspend, disconnect or removal. */
    bound: boundSessions,
  };
}
