import { pino } from 'pino';
import { createAppMetrics, createMetricsRegistry, type ClientConfig, type Logger } from '@smsgw/platform';
import { createClientBacklog, createDeferredQueue, createMultiIds, createRedis } from '@smsgw/redis';
import { streamNames } from '@smsgw/contracts';
import { createRedisStateStore } from '@smsgw/store';
import { createIngressServer, type IngressServerDeps } from './ingress-server';
import { createSubmitHandler } from './submit-handler';
import { createSubmitMultiHandler } from './submit-multi';
import { createReceiptDispatcher } from './receipt-dispatcher';
import { createQueryHandler } from './query-handler';
import { createCancelHandler } from './cancel-handler';
import { createReplaceHandler } from './replace-handler';
import { createBindLockout, type LockoutOptions } from './bind-lockout';

const silent = pino({ level: 'silent' });
const defaultAuth: LockoutOptions & { failureDelayMs: number } = { maxFailures: 5, windowMs: 60_000, lockoutMs: 60_000, maxLockoutMs: 600_000, failureDelayMs: 0 };

export interface TestIngressOptions {
  redisUrl: string;
  prefix: string;
  clients: ClientConfig[];
  session: IngressServerDeps['session'];
  auth?: Partial<typeof defaultAuth>;
  /** Redis of the bind lockout (default: the same as the rest). */
  lockoutRedisUrl?: string;
  logger?: Logger;
  tls?: IngressServerDeps['tls'];
  connections?: IngressServerDeps['connections'];
  proxyProtocol?: boolean;
  /** Redis command timeout (default 1 s: a dead Redis is noticed fast). */
  commandTimeoutMs?: number;
  /** As http.peerLabels: submits counted per client. */
  clientMetrics?: boolean;
  /** The run-time client registry (main.ts passes one): followed instead of `clients`. */
  live?: IngressServerDeps['live'];
}

/**
 * The ingress server as main.ts wires it, for tests: real Redis (submits into `in`, the bind
 * lockout, receipts), the Redis state store for query_sm, on a random port on 127.0.0.1.
 */
export async function startTestIngress(o: TestIngressOptions) {
  const metrics = createAppMetrics(createMetricsRegistry('ingress-test'));
  const commandTimeoutMs = o.commandTimeoutMs ?? 1_000;
  const redis = createRedis(o.redisUrl, { commandTimeoutMs });
  const lockoutRedis = o.lockoutRedisUrl ? createRedis(o.lockoutRedisUrl, { commandTimeoutMs }) : redis;
  const auth = { ...defaultAuth, ...o.auth };
  const names = streamNames(o.prefix);
  const logger = o.logger ?? silent;
  const receipts = createReceiptDispatcher({ redis, target: o.redisUrl, names, instance: 'test', metrics, logger, batchSize: 10, claimIdleMs: 1_000 });
  const store = createRedisStateStore({ redis, prefix: o.prefix });
  const clientBacklog = createClientBacklog(redis, o.prefix);
  const multiIds = createMultiIds(redis, o.prefix);
  const addressing = (sys: string) => o.clients.find((c) => c.systemId === sys);
  const replacer = createReplaceHandler({ redis, names, store, backlog: clientBacklog, logger, deferred: createDeferredQueue(redis, o.prefix, names.in), addressing });
  const server = createIngressServer({
    host: '127.0.0.1', port: 0, clients: o.clients, live: o.live, session: o.session, tls: o.tls, connections: o.connections, proxyProtocol: o.proxyProtocol,
    // As main.ts: counted in the client backlog with the XADD, which query_sm reads.
    submit: createSubmitHandler({ enqueue: (e) => clientBacklog.enqueue(names.in, e), backlogFull: () => false, replaceIfPresent: replacer.ifPresent }),
    // As main.ts: the destinations' entries in one transaction (and counted in the client backlog).
    submitMulti: createSubmitMultiHandler({ enqueueAll: (es) => clientBacklog.enqueueAll(names.in, es), backlogFull: () => false, recordIds: multiIds.record }),
    query: createQueryHandler(store, (sys, id) => clientBacklog.has(sys, id), (sys, id) => clientBacklog.isCancelled(sys, id), multiIds.idsOf),
    // As main.ts: cancel_sm and replace_sm of a message not yet handed to an SMSC.
    cancel: createCancelHandler({ redis, names, store, backlog: clientBacklog, addressing, logger, idsOfMulti: multiIds.idsOf }),
    replace: replacer.replaceSm,
    receipts, metrics, logger, clientMetrics: o.clientMetrics,
    auth: { lockout: createBindLockout(lockoutRedis, o.prefix, auth), failureDelayMs: auth.failureDelayMs },
  });
  const port = await server.start();
  return {
    port, server, redis, names, store, metrics,
    get tlsPort() {
      return server.tlsPort;
    },
    /** How many connections a cap dropped (smsgw_errors_total{kind="connection_<kind>"}). */
    dropped: async (kind: string) => (await metrics.errors.get()).values.find((v) => v.labels.kind === `connection_${kind}`)?.value ?? 0,
    close: async () => {
      await server.close();
      await receipts.close();
      redis.disconnect();
      if (lockoutRedis !== redis) lockoutRedis.disconnect();
    },
  };
}
