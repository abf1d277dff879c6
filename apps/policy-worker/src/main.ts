import { GROUPS } from '@smsgw/contracts';
import { createClientRouter } from '@smsgw/domain';
import { bootApp, loadConfig, storeObserver } from '@smsgw/platform';
import { createClientBacklog, createClientRegistry, createDeferredQueue, createStageRuntime, groupBacklog, startPeriodicJobs } from '@smsgw/redis';
import { createMcp, createPolicyRollout, policyKeys } from '@smsgw/mcp';
import { openStateStore } from '@smsgw/store';
import { createConcatGroups } from './concat-groups';
import { createPolicyHandler } from './policy-handler';
import { createPolicySettings } from './policy-settings';
import { startPolicyWatch } from './policy-watch';

await bootApp('policy-worker', process, async (ctx) => {
  const { config, logger, metrics } = ctx;
  const rt = createStageRuntime(ctx);
  const { redis, names } = rt;
  const store = await openStateStore(config.state, redis, config.redis.prefix, storeObserver(metrics));
  const keys = policyKeys(config.redis.prefix);
  const settings = createPolicySettings(config.policy);
  // Policy versions published through the admin API win over the file's policy (docs/mcp.md).
  const policyWatch = await startPolicyWatch({ rollout: createPolicyRollout(redis, config.redis.prefix), settings, filePolicy: config.policy, instance: ctx.instance, logger });
  const deferred = createDeferredQueue(redis, config.redis.prefix, names.in);
  const concat = createConcatGroups(redis, config.redis.prefix, config.concat.timeoutMs, { maxOpen: config.concat.maxOpenGroups });
  // Clients added or changed at run time (admin API): their routes and journalText are in force
  // within a second; the router is rebuilt on a change only.
  const clients = createClientRegistry({ redis, prefix: config.redis.prefix, fileClients: config.clients, logger });
  await clients.start();
  let route = createClientRouter(config.routes, clients.all());
  const journalText = new Set<string>();
  const followClients = () => {
    route = createClientRouter(config.routes, clients.all());
    journalText.clear();
    for (const c of clients.all()) if (c.journalText) journalText.add(c.systemId);
  };
  followClients();
  clients.onChange(followClients);
  rt.consumer({
    stream: names.in,
    group: GROUPS.policy,
    concurrency: 2,
    deadLetter: 'fail-message',
    handler: createPolicyHandler({
      redis, store, names, metrics, logger, deferred, concat,
      tracing: ctx.tracing,
      backlog: createClientBacklog(redis, config.redis.prefix),
      journalText,
      route: (sys, destination) => route(sys, destination),
      policy: createMcp({ redis, keys, resolve: settings.resolver }),
    }),
  });

  // SIGHUP: the policy section is read again; a bad file is refused and the rules in force stay.
  // While a policy version set in Redis is in force, the file's rules wait until none is.
  process.on('SIGHUP', () => {
    try {
      const outcome = policyWatch.fileReloaded(loadConfig({ path: ctx.configPath, env: process.env }).policy);
      if (outcome === 'applied') logger.info({ configPath: ctx.configPath }, 'policy rules reloaded');
      else logger.warn({ configPath: ctx.configPath, version: policyWatch.version }, 'policy rules reloaded from the file, not in force: a policy version set in Redis wins');
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
    const sent = await concat.sweep(clients.all().map((c) => c.systemId), names.out);
    if (Object.keys(sent).length) logger.warn({ groups: sent }, 'incomplete client-concatenated messages sent as they are');
  };
  // Once per period across every policy-worker.
  const periodic = await startPeriodicJobs({ redis: config.redis, prefix: config.redis.prefix, queue: 'policy-worker', logger }, [
    { name: 'scheduled-release', everyMs: config.policy.deferPollMs, run: release },
    { name: 'concat-timeouts', everyMs: 1_000, run: concatTimeouts },
  ]);

  return rt.start(
    { policyWatch, periodic, store, clients },
    { store: () => store.ping() },
  );
});
