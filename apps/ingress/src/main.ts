import { GROUPS } from '@smsgw/contracts';
import { allRoutes, bootApp, storeObserver } from '@smsgw/platform';
import { poolsOf } from '@smsgw/domain';
import { createBindReports, createClientBacklog, createClientRegistry, createDeferredQueue, createMultiIds, createRateLimiter, createSmscForwarder, createStageRuntime, limiterMetrics, openLimiterRedis, rateLimitKey } from '@smsgw/redis';
import { createBacklogMonitor, createClientBacklogMonitor } from './backlog-monitor';
import { createIngressServer } from './ingress-server';
import { plaintextClients } from './bind-auth';
import { createBindLockout } from './bind-lockout';
import { createBindCounter } from './bind-counter';
import { createReceiptDispatcher } from './receipt-dispatcher';
import { createSubmitHandler } from './submit-handler';
import { createIdempotentSubmit, createIdempotentSubmitMulti } from './idempotency';
import { createSubmitMultiHandler } from './submit-multi';
import { createQueryHandler } from './query-handler';
import { createCancelHandler } from './cancel-handler';
import { createReplaceHandler } from './replace-handler';
import { createClientSettings } from './client-settings';
import { startClientLive } from './client-live';
import { openStateStore } from '@smsgw/store';

await bootApp('ingress', process, async (ctx) => {
  const { config, logger, metrics, instance } = ctx;
  const rt = createStageRuntime(ctx);
  const { redis, names } = rt;
  const store = await openStateStore(config.state, redis, config.redis.prefix, storeObserver(metrics));
  // Per-client submit rates, shared by every ingress instance: L2 on the limiter Redis
  // (`limits.redis`, else the main one), L1 leases here.
  const limiterRedis = openLimiterRedis(redis, config.limits.redis, { commandTimeoutMs: config.redis.commandTimeoutMs, name: `${instance}-limiter` });
  // The clients of the config and those added at run time (admin API), followed within a second.
  const registry = createClientRegistry({ redis, prefix: config.redis.prefix, fileClients: config.clients, logger });
  await registry.start();
  const clientSettings = createClientSettings({
    registry,
    limiter: (c) => createRateLimiter(limiterRedis.redis, rateLimitKey(config.redis.prefix, `client:${c.systemId}`), { rate: c.maxSubmitRate }, limiterMetrics(metrics)),
  });
  const backlog = createBacklogMonitor(redis, [
    { stream: names.in, max: config.ingress.maxBacklog },
    // Messages waiting for an SMSC that is down pile up in their pool's stream: past the same
    // bound the gateway stops accepting, so Redis memory stays bounded while a link is away.
    ...[...poolsOf(allRoutes(config)).keys()].map((pool) => ({ stream: names.out(pool), max: config.ingress.maxBacklog, group: GROUPS.sender })),
    // Journal records are never dropped: past the bound the gateway stops accepting instead.
    { stream: names.journal, max: config.journal.maxBacklog, group: GROUPS.journal },
  ]);
  // Each client's messages in flight (every stage), against its own clients[].maxBacklog: one
  // client cannot fill the queues for everyone.
  const clientBacklog = createClientBacklog(redis, config.redis.prefix, { acceptLingerMs: config.ingress.acceptLingerMs });
  const clientFull = createClientBacklogMonitor(clientBacklog, { limits: clientSettings.backlogLimits });
  // Per client, each submit_multi's message ids under its message_id (query_sm by it).
  const multiIds = createMultiIds(redis, config.redis.prefix);
  const receipts = createReceiptDispatcher({
    redis,
    target: config.redis,
    names,
    instance,
    metrics,
    logger,
    batchSize: Math.min(config.streams.batchSize, 100),
    readLingerMs: config.streams.readLingerMs,
    // A receipt left pending by a dropped bind is retried soon, not after the full claim time.
    claimIdleMs: Math.min(config.streams.claimIdleMs, 5_000),
    tracing: ctx.tracing,
  });
  // clients[].maxBinds counted across every ingress instance (leases in Redis).
  const binds = createBindCounter(redis, config.redis.prefix, instance, { logger });
  // What submit_sm, data_sm and submit_multi share: bounds, rate (one token per message, so a
  // submit_multi takes one per destination) and validity.
  const submitDeps = {
    backlogFull: backlog.full,
    clientFull: clientFull.full,
    allow: clientSettings.allow,
    maxAgeMs: (sys: string) => registry.get(sys)?.maxAgeMs ?? config.delivery.maxAgeMs,
    // clients[].defaultCountryCode/trunkPrefix: national numbers become E.164 before the policy sees them.
    addressing: (sys: string) => registry.get(sys),
    // tracing.enabled: a sampled message's trace starts at its submit.
    tracing: ctx.tracing,
  };
  // cancel_sm / replace_sm of a submitted message go to its SMSC through a sender holding its link.
  const smscForward = createSmscForwarder({ redis, prefix: config.redis.prefix, logger });
  // replace_sm and replace_if_present_flag: a held message is released at once to be decided again.
  const replacer = createReplaceHandler({
    redis, names, store, backlog: clientBacklog, logger,
    forward: (rec, f) => smscForward.replace(rec, f),
    deferred: createDeferredQueue(redis, config.redis.prefix, names.in),
    addressing: submitDeps.addressing,
    maxAgeMs: submitDeps.maxAgeMs,
  });
  const server = createIngressServer({
    host: config.ingress.host,
    port: config.ingress.port,
    tls: config.ingress.tls,
    connections: config.ingress.connections,
    proxyProtocol: config.ingress.proxyProtocol,
    clients: config.clients,
    live: registry,
    session: config.ingress,
    // clients[].idempotency: a retried submit (same key within the window) gets the first message's id.
    submit: createIdempotentSubmit(createSubmitHandler({ ...submitDeps, enqueue: (e) => clientBacklog.enqueue(names.in, e), replaceIfPresent: replacer.ifPresent }), {
      redis,
      prefix: config.redis.prefix,
      options: (sys) => registry.get(sys)?.idempotency,
      logger,
    }),
    // Every destination's entry in one transaction on `in`: all of them accepted, or none; a
    // retried one (clients[].idempotency) gets the first one's message_id and unsuccess list.
    submitMulti: createIdempotentSubmitMulti(
      createSubmitMultiHandler({ ...submitDeps, enqueueAll: (es) => clientBacklog.enqueueAll(names.in, es), recordIds: multiIds.record, logger }),
      { redis, prefix: config.redis.prefix, options: (sys) => registry.get(sys)?.idempotency, logger },
    ),
    query: createQueryHandler(store, (sys, id) => clientBacklog.has(sys, id), (sys, id) => clientBacklog.isCancelled(sys, id), multiIds.idsOf),
    // cancel_sm of a message not yet handed to an SMSC (its id still in the client's backlog).
    cancel: createCancelHandler({ redis, names, store, backlog: clientBacklog, addressing: submitDeps.addressing, logger, idsOfMulti: multiIds.idsOf, forward: (rec, svc) => smscForward.cancel(rec, svc) }),
    replace: replacer.replaceSm,
    receipts,
    metrics,
    logger,
    auth: { lockout: createBindLockout(redis, config.redis.prefix, config.ingress.auth), failureDelayMs: config.ingress.auth.failureDelayMs },
    binds,
    clientMetrics: config.http.peerLabels,
  });
  const plaintext = plaintextClients(config.clients);
  if (plaintext.length) logger.warn({ clients: plaintext }, 'clients with a plaintext password in the config: replace it with passwordHash (npm run hash-password)');
  await server.start();
  logger.info({ port: server.port, tlsPort: server.tlsPort }, 'SMPP server listening');
  // Removed, suspended or disconnected clients are unbound here; the bound sessions are reported.
  const clientLive = startClientLive({ registry, bound: server.bound, reports: createBindReports(redis, config.redis.prefix), instance, logger });
  // SIGHUP re-reads the TLS certificate and key (renewal without dropping bound clients).
  if (config.ingress.tls) process.on('SIGHUP', () => server.reloadTls());
  rt.watch(names.in, GROUPS.policy);
  return rt.start({
    backlog: { close: () => { backlog.stop(); clientFull.stop(); } },
    clients: { close: async () => { registry.stop(); clientSettings.close(); await clientLive.close(); } },
    smpp: server,
    // After the server: no cancel_sm or replace_sm waits on it any more.
    smscForward,
    binds,
    receipts,
    store,
    limiterRedis,
  });
});
