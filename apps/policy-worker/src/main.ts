import { GROUPS } from '@smsgw/contracts';
import { createClientRouter } from '@smsgw/domain';
import { bootApp, loadConfig, storeObserver } from '@smsgw/platform';
import { createClientBacklog, createDeferredQueue, createStageRuntime, groupBacklog, policyKeys, startPeriodicJobs } from '@smsgw/redis';
import { openStateStore } from '@smsgw/store';
import { createConcatGroups } from './concat-groups';
import { createMcp } from './mcp';
import { createPolicyHandler } from './policy-handler';
import { createPolicySettings } from './policy-settings';

await bootApp('policy-worker', process, async (ctx) => {
  const { config, logger, metrics } = ctx;
  const rt = createStageRuntime(ctx);
  const { redis, names } = rt;
  const store = await openStateStore(config.state, redis, config.redis.prefix, storeObserver(metrics));
  const keys = policyKeys(config.redis.prefix);
  const settings = createPolicySettings(config.policy);
  const deferred = createDeferredQueue(redis, config.redis.prefix, names.in);
  const concat = createConcatGroups(redis, config.redis.prefix, config.concat.timeoutMs, { maxOpen: config.concat.maxOpenGroups });
  rt.consumer({
    stream: names.in,
    group: GROUPS.policy,
    concurrency: 2,
    deadLetter: 'fail-message',
    handler: createPolicyHandler({
      redis, store, names, metrics, logger, deferred, concat,
      backlog: createClientBacklog(redis, config.redis.prefix),
      journalText: new Set(config.clients.filter((c) => c.journalText).map((c) => c.systemId)),
      route: createClientRouter(config.routes, config.clients),
      policy: createMcp({ redis, keys, resolve: settings.resolver }),
    }),
  });

  // SIGHUP: the policy section is read again; a bad file is refused and the rules in force stay.
  process.on('SIGHUP', () => {
    try {
      settings.replace(loadConfig({ path: ctx.configPath, env: process.env }).policy);
      logger.info({ configPath: ctx.configPath }, 'policy rules reloaded');
    } catch (err) {
      logger.error({ reason: (err as Error).message }, 'policy reload refused; the rules in force stay');
    }
  });

  // Held messages go back to `in` only while it has room: a million schedules due at once are
  // released over a few minutes rather than pushing `in` past ingress.maxBacklog (which would
  // refuse new submits with ESME_RMSGQFUL).
  const releaseRoom = async () => {
    const backlog = await groupBacklog(redis, names.in, GROUPS.policy);
    return Math.max(0, Math.min(20_000, Math.floor(config.ingress.maxBacklog / 2) - backlog));
  };
  const release = async () => {
    const room = await releaseRoom();
    const n = room > 0 ? await deferred.release(Date.now(), Math.min(1_000, room), room) : 0;
    if (n) logger.info({ released: n }, 'deferred messages back to in');
  };
  // Client-concatenated messages still incomplete after concat.timeoutMs go on as they are:
  // every due group in one run (batched), none left to age in Redis until the next.
  const concatTimeouts = async () => {
    const sent = await concat.sweep(config.clients.map((c) => c.systemId), names.out);
    if (Object.keys(sent).length) logger.warn({ groups: sent }, 'incomplete client-concatenated messages sent as they are');
  };
  // Once per period across every policy-worker.
  const periodic = await startPeriodicJobs({ redis: config.redis, prefix: config.redis.prefix, queue: 'policy-worker', logger }, [
    { name: 'scheduled-release', everyMs: config.policy.deferPollMs, run: release },
    { name: 'concat-timeouts', everyMs: 1_000, run: concatTimeouts },
  ]);

  return rt.start(
    { periodic, store },
    { store: () => store.ping() },
  );
});
