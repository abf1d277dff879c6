import type { Server } from 'node:net';
import type { ClientConfig, Logger, AppMetrics } from '@smsgw/platform';
import { createSmppServer, STATUS, type Pdu, type SmppSession } from '@smsgw/smpp';
import { createAuthenticator, type BindMode } from './bind-auth';
import type { SubmitOutcome } from './submit-handler';
import type { QueryOutcome } from './query-handler';

export interface IngressServerDeps {
  host: string;
  port: number;
  clients: readonly ClientConfig[];
  session: { window: number; sessionInitMs: number; enquireLinkMs: number; inactivityMs: number; responseTimeoutMs: number; receiptWindow: number };
  submit: (pdu: Pdu, sys: string) => Promise<SubmitOutcome>;
  query: (pdu: Pdu, sys: string) => Promise<QueryOutcome>;
  receipts: { attach(sys: string, s: SmppSession): void; detach(sys: string, s: SmppSession): void };
  metrics: AppMetrics;
  logger: Logger;
}

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
  const authenticate = createAuthenticator(deps.clients);
  const bindsByClient = new Map<string, number>();
  const sessions = new Set<SmppSession>();
  const { logger, metrics } = deps;

  const onSession = (session: SmppSession) => {
    sessions.add(session);
    let mode: BindMode | undefined;
    let sys: string | undefined;
    const log = logger.child({ sessionId: session.id });
    // §7.2 session_init_timer: a connection that does not bind in time is closed.
    const initTimer = deps.session.sessionInitMs
      ? setTimeout(() => {
          if (!mode) {
            log.info('no bind within session_init time: closing');
            session.close();
          }
        }, deps.session.sessionInitMs)
      : undefined;

    const unbound = () => {
      if (initTimer) clearTimeout(initTimer);
      sessions.delete(session);
      if (!sys || !mode) return;
      bindsByClient.set(sys, (bindsByClient.get(sys) ?? 1) - 1);
      metrics.sessionsBound.dec({ side: 'client', peer: sys });
      if (mode !== 'transmitter') deps.receipts.detach(sys, session);
      log.info({ systemId: sys }, 'session closed');
      sys = undefined;
    };
    session.on('close', unbound);

    session.on('pdu', (pdu: Pdu) => {
      const bindMode = BIND_MODES[pdu.command];
      if (bindMode) {
        if (mode) return session.respond(pdu, { status: STATUS.ESME_RALYBND });
        const res = authenticate(pdu.system_id ?? '', pdu.password ?? '', bindMode);
        if (!res.ok) {
          metrics.errors.inc({ kind: 'bind_failed' });
          log.warn({ systemId: pdu.system_id, reason: res.reason }, 'bind refused');
          return session.respond(pdu, { status: res.status });
        }
        const count = bindsByClient.get(res.client.systemId) ?? 0;
        if (count >= res.client.maxBinds) {
          log.warn({ systemId: res.client.systemId }, 'bind refused: too many binds');
          return session.respond(pdu, { status: STATUS.ESME_RBINDFAIL });
        }
        mode = bindMode;
        sys = res.client.systemId;
        if (initTimer) clearTimeout(initTimer);
        bindsByClient.set(sys, count + 1);
        metrics.sessionsBound.inc({ side: 'client', peer: sys });
        session.respond(pdu, { system_id: 'smsgw' });
        log.info({ systemId: sys, mode }, 'client bound');
        if (mode !== 'transmitter') deps.receipts.attach(sys, session);
        return;
      }
      if (!mode || !sys) {
        // §2.3: before bind only bind (and enquire_link, answered by the session) is allowed.
        return session.respond(pdu, { status: STATUS.ESME_RINVBNDSTS });
      }
      if (pdu.command === 'submit_sm') {
        if (mode === 'receiver') return session.respond(pdu, { status: STATUS.ESME_RINVBNDSTS });
        const client = sys;
        deps
          .submit(pdu, client)
          .then((out) => {
            if (out.status === STATUS.ESME_ROK) {
              metrics.messages.inc({ stage: 'ingress', outcome: 'accepted' });
              session.respond(pdu, { message_id: out.messageId });
            } else {
              metrics.messages.inc({ stage: 'ingress', outcome: `status_${out.status}` });
              log.warn({ systemId: client, status: out.status, reason: out.reason }, 'submit refused');
              session.respond(pdu, { status: out.status, message_id: '' });
            }
          })
          .catch((err) => {
            log.error({ err }, 'submit failed');
            session.respond(pdu, { status: STATUS.ESME_RSYSERR, message_id: '' });
          });
        return;
      }
      if (pdu.command === 'query_sm') {
        const client = sys;
        deps.query(pdu, client).then(
          (out) => session.respond(pdu, { status: out.status, ...out.fields }),
          (err) => {
            log.warn({ err, systemId: client }, 'query_sm failed');
            session.respond(pdu, { status: STATUS.ESME_RQUERYFAIL });
          },
        );
        return;
      }
      // A queued message is not changed in place: cancel_sm and replace_sm fail with their own
      // statuses (§5.1.3); other commands this gateway does not offer (submit_multi, data_sm,
      // deliver_sm from a client…) get their *_resp with ESME_RINVCMDID.
      if (pdu.command === 'cancel_sm') return session.respond(pdu, { status: STATUS.ESME_RCANCELFAIL });
      if (pdu.command === 'replace_sm') return session.respond(pdu, { status: STATUS.ESME_RREPLACEFAIL });
      session.respond(pdu, { status: STATUS.ESME_RINVCMDID });
    });
  };

  let server: Server | undefined;
  return {
    async start(): Promise<number> {
      server = createSmppServer(onSession, {
        maxIncomingPending: deps.session.window,
        window: deps.session.receiptWindow,
        enquireLinkMs: deps.session.enquireLinkMs,
        inactivityMs: deps.session.inactivityMs,
        responseTimeoutMs: deps.session.responseTimeoutMs,
        logger,
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(deps.port, deps.host, () => resolve());
      });
      const addr = server.address();
      return typeof addr === 'object' && addr ? addr.port : deps.port;
    },
    async close(): Promise<void> {
      // Stop accepting, then unbind every client so none is cut mid-PDU (§4.2).
      const srv = server;
      const closing = srv ? new Promise<void>((r) => srv.close(() => r())) : Promise.resolve();
      await Promise.allSettled([...sessions].map((s) => s.unbind().catch(() => s.close())));
      for (const s of sessions) s.close();
      await closing;
    },
    get sessionCount() {
      return sessions.size;
    },
  };
}
