import { GROUPS } from '@smsgw/contracts';
import { createPolicyPipeline, createRouter, defaultPolicyStages } from '@smsgw/domain';
import { bootApp } from '@smsgw/platform';
import { createStageRuntime } from '@smsgw/redis';
import { openStateStore } from '@smsgw/store';
import { createPolicyHandler } from './policy-handler';

await bootApp('policy-worker', process, async (ctx) => {
  const { config, logger, metrics } = ctx;
  const rt = createStageRuntime(ctx);
  const { redis, names } = rt;
  const store = await openStateStore(config.state, redis, config.redis.prefix);
  rt.consumer({
    stream: names.in,
    group: GROUPS.policy,
    concurrency: 2,
    deadLetter: 'fail-message',
    handler: createPolicyHandler({
      redis, store, names, metrics, logger,
      route: createRouter(config.routes),
      policy: createPolicyPipeline(defaultPolicyStages()),
    }),
  });
  return rt.start({ store }, { store: () => store.ping() });
});
