import type { Socket } from 'node:net';
import type { AppMetrics, Logger } from '@smsgw/platform';
import type { SmppSession } from '@smsgw/smpp';

export interface ConnectionCaps {
  /** Open connections, bound or not. */
  max: number;
  /** Open connections from one remote address. */
  perAddress: number;
  /** Connections not yet bound; above it the oldest of them is closed. */
  maxUnbound: number;
  /** command_length allowed until the session has bound. */
  maxPduBeforeBind: number;
}

/** At most one log line per this long about refused or evicted sockets (a flood must not flood the log). */
const LOG_EVERY_MS = 10_000;

type Drop = 'over_max' | 'over_per_address' | 'unbound_evicted';

interface Entry {
  socket: Socket;
  address: string;
}

/**
 * Connection caps of the client port (issue #11): what keeps idle or hostile sockets from using up
 * the process or locking real clients out. `admit` runs at TCP accept (before TLS and before any
 * SMPP session): over `max` or `perAddress` the socket is destroyed at once. Unbound connections
 * above `maxUnbound` close the OLDEST unbound one, so a flood of idle sockets cannot keep the
 * newest connection (a real client's) from binding. Sockets are tracked by their TCP connection
 * (local port, remote address and port), which a TLS socket shares with the socket under it.
 */
export function createConnectionGuard(caps: ConnectionCaps, deps: { metrics: AppMetrics; logger: Logger }) {
  const entries = new Map<string, Entry>();
  /** Insertion order = age: the first is the oldest unbound connection. */
  const unbound = new Map<string, Entry>();
  const perAddress = new Map<string, number>();
  /** The limit each session had before `accepted` lowered it. */
  const normalPduMax = new WeakMap<SmppSession, number>();
  const dropped: Record<Drop, number> = { over_max: 0, over_per_address: 0, unbound_evicted: 0 };
  let lastLog = 0;
  let logTimer: NodeJS.Timeout | undefined;

  const keyOf = (s: Socket) => `${s.localPort}|${s.remoteAddress}|${s.remotePort}`;

  const flushLog = () => {
    logTimer = undefined;
    lastLog = Date.now();
    deps.logger.warn({ ...dropped, open: entries.size, unbound: unbound.size }, 'client connections refused or closed by the connection caps (ingress.connections)');
    dropped.over_max = dropped.over_per_address = dropped.unbound_evicted = 0;
  };

  const note = (kind: Drop) => {
    deps.metrics.errors.inc({ kind: `connection_${kind}` });
    dropped[kind]++;
    if (logTimer) return;
    logTimer = setTimeout(flushLog, Math.max(0, lastLog + LOG_EVERY_MS - Date.now()));
    logTimer.unref();
  };

  const release = (key: string, e: Entry) => {
    if (entries.get(key) !== e) return;
    entries.delete(key);
    unbound.delete(key);
    const n = (perAddress.get(e.address) ?? 1) - 1;
    if (n > 0) perAddress.set(e.address, n);
    else perAddress.delete(e.address);
  };

  return {
    /** At TCP accept (after the PROXY header, with the client's address): false = destroy the socket now. */
    admit(socket: Socket, address: string | undefined = socket.remoteAddress): boolean {
      if (!address) return false; // already gone
      if (entries.size >= caps.max) return note('over_max'), false;
      const fromAddress = perAddress.get(address) ?? 0;
      if (fromAddress >= caps.perAddress) return note('over_per_address'), false;
      const key = keyOf(socket);
      const e: Entry = { socket, address };
      entries.set(key, e);
      unbound.set(key, e);
      perAddress.set(address, fromAddress + 1);
      socket.once('close', () => release(key, e));
      if (unbound.size > caps.maxUnbound) {
        const [oldKey, oldest] = unbound.entries().next().value!;
        unbound.delete(oldKey);
        note('unbound_evicted');
        oldest.socket.destroy();
      }
      return true;
    },
    /** A new session (top of onSession): until it binds, only small PDUs are read. */
    accepted(session: SmppSession): void {
      normalPduMax.set(session, session.maxPduLength);
      session.maxPduLength = Math.min(session.maxPduLength, caps.maxPduBeforeBind);
    },
    /** The session has bound: it no longer counts as unbound and gets the normal PDU limit. */
    bound(session: SmppSession): void {
      unbound.delete(keyOf(session.socket));
      const normal = normalPduMax.get(session);
      if (normal !== undefined) session.maxPduLength = normal;
    },
    get open(): number {
      return entries.size;
    },
    get unboundCount(): number {
      return unbound.size;
    },
    close(): void {
      if (logTimer) clearTimeout(logTimer);
      logTimer = undefined;
    },
  };
}

export type ConnectionGuard = ReturnType<typeof createConnectionGuard>;
