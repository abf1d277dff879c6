import { createCloser, createLogger, loadConfig, runUntilSignal, type GatewayConfig } from '@smsgw/platform';
import { createRedis, pingRedis } from '@smsgw/redis';
import { openStateStore } from '@smsgw/store';
import { createAdminServer } from './admin-server';

/**
 * The admin API process: config (--config or GATEWAY_CONFIG, else the embedded defaults),
 * Redis and the state store, the HTTP server on admin.host:admin.port, until a signal. Its
 * probes (/livez, /readyz) are on that same port: it has no separate ops server.
 */
const argIdx = process.argv.indexOf('--config');
const path = argIdx >= 0 ? process.argv[argIdx + 1] : process.env.GATEWAY_CONFIG;
let config: GatewayConfig;
try {
  config = loadConfig({ path, env: process.env });
} catch (err) {
  // A bad config stops the app with a message naming the field.
  console.error((err as Error).message);
  process.exit(2);
}
const instance = process.env.INSTANCE_ID ?? `admin-${process.env.HOSTNAME ?? 'local'}-${process.pid}`;
const logger = createLogger('admin', config.log.level);

await runUntilSignal(process, logger, async () => {
  const redis = createRedis(config.redis, { commandTimeoutMs: config.redis.commandTimeoutMs, name: instance });
  const store = await openStateStore(config.state, redis, config.redis.prefix);
  const app = await createAdminServer({
    config,
    redis,
    store,
    logger,
    checks: { redis: () => pingRedis(redis, config.redis), store: () => store.ping() },
  });
  await app.listen({ host: config.admin.host, port: config.admin.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.admin.port;
  logger.info({ host: config.admin.host, port, tokens: config.admin.tokens.length, instance }, 'admin started');
  if (!config.admin.tokens.length) logger.warn('no admin.tokens configured: every /v1 request is refused (401)');
  return {
    close: createCloser(
      [
        ['http', () => app.close()],
        ['store', () => store.close()],
        ['redis', () => void redis.disconnect()],
      ],
      logger,
    ),
  };
});
