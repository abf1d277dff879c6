import { GROUPS } from '@smsgw/contracts';
import { poolsOf } from '@smsgw/domain';
import { allRoutes, bootApp, storeObserver } from '@smsgw/platform';
import { createClientBacklog, createLinkControl, createRateLimiter, createStageRuntime, limiterMetrics, openLimiterRedis, rateLimitKey } from '@smsgw/redis';
import { openStateStore } from '@smsgw/store';
import { createDeliverHandler } from './deliver-handler';
import { createMessageSender } from './message-sender';
import { createSmscLink, type SmscLink } from './smsc-link';
import { createSmscOpsWorker } from './smsc-ops-worker';
import { startLinkModes } from './link-modes';
import { createSubmitErrorTable } from './submit-errors';

await bootApp('sender', process, async (ctx) => {
  const { config, logger, metrics } = ctx;
  const rt = createStageRuntime(ctx);
  const { redis, names } = rt;
  const store = await openStateStore(config.state, redis, config.redis.prefix, storeObserver(metrics));
  const onDeliver = createDeliverHandler({ redis, names, prefix: config.redis.prefix, metrics });
  const links = new Map<string, SmscLink>();
  // Each SMSC's text options: what submits are encoded with, and a forwarded replace_sm too.
  const text = new Map(config.smscs.map((s) => [s.id, s.text]));
  for (const smsc of config.smscs) {
    const link = createSmscLink({
      smsc,
      logger,
      onDeliver: (pdu) => onDeliver(smsc.id, pdu),
      onBoundChange: (n) => metrics.sessionsBound.set({ side: 'smsc', peer: smsc.id }, n),
    });
    links.set(smsc.id, link);
    link.start();
  }
  // The L2 buckets live on `limits.redis` when set (a Redis dedicated to rate limiting).
  const limiterRedis = openLimiterRedis(redis, config.limits.redis, { commandTimeoutMs: config.redis.commandTimeoutMs, name: `${ctx.instance}-limiter` });
  const limiter = (scope: string, rate: number) =>
    createRateLimiter(limiterRedis.redis, rateLimitKey(config.redis.prefix, scope), { rate }, limiterMetrics(metrics));
  const linkLimiters = new Map(config.smscs.filter((s) => s.throughput > 0).map((s) => [s.id, limiter(`link:${s.id}`, s.throughput)]));
  const handler = createMessageSender({
    redis, store, names, links, metrics, logger,
    tracing: ctx.tracing,
    prefix: config.redis.prefix,
    backlog: createClientBacklog(redis, config.redis.prefix),
    // One limiter per scope with a rate, shared by every sender through Redis: each SMSC link
    // (its contracted throughput), each pool, and the global cap.
    limiters: linkLimiters,
    poolLimiters: new Map(Object.entries(config.limits.pools).filter(([, r]) => r > 0).map(([pool, r]) => [pool, limiter(`pool:${pool}`, r)])),
    globalLimiter: config.limits.global > 0 ? limiter('global', config.limits.global) : undefined,
    idFormats: new Map(config.smscs.map((s) => [s.id, s.ids.submit])),
    text,
    maxAgeMs: new Map(config.smscs.flatMap((s) => (s.maxAgeMs ? [[s.id, s.maxAgeMs] as const] : []))),
    errors: new Map(config.smscs.map((s) => [s.id, createSubmitErrorTable(s.errors)])),
    retry: config.delivery.retry,
    leaseMs: config.delivery.leaseMs,
    signal: rt.stopping,
  });
  // Every pool of the routes is consumed here: this sender has sessions to all their SMSCs.
  for (const pool of poolsOf(allRoutes(config)).keys()) {
    // Messages waiting for their SMSC are held, not reclaimed: waiting is not failing.
    rt.consumer({ stream: names.out(pool), group: GROUPS.sender, concurrency: config.delivery.senderConcurrency, deadLetter: 'fail-message', hold: true, handler });
  }
  // cancel_sm / replace_sm of submitted messages, asked by the ingress, go out on these links.
  const smscOps = createSmscOpsWorker({ redis, prefix: config.redis.prefix, links, text, logger });
  smscOps.start();
  // drain / suspend / resume set through the admin API, obeyed within a second; and what each link does here.
  const linkModes = startLinkModes({
    control: createLinkControl(redis, config.redis.prefix), links, instance: ctx.instance, logger, metrics,
    sessions: new Map(config.smscs.map((s) => [s.id, s.sessions])),
    limiters: linkLimiters,
  });
  return rt.start(
    {
      // Before the links: the operations in hand are answered while their sessions still exist.
      smscOps,
      linkModes,
      smsc: { close: async () => void (await Promise.allSettled([...links.values()].map((l) => l.stop()))) },
      store,
      limiterRedis,
    },
    {
      store: () => store.ping(),
      smsc: () => {
        // A link an operator suspended or drained is not a fault.
        const down = [...links.values()].filter((l) => l.mode === 'active' && l.sessionsBound === 0).map((l) => l.id);
        if (down.length) throw new Error(`no bound session to ${down.join(', ')}`);
      },
    },
  );
});
