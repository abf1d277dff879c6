import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { loadConfig } from './config';
import type { AppName, GatewayConfig } from './config-schema';
import { createLogger } from './logger';
import { createLogJournal } from './log-journal';
import { startMetricsSnapshots } from './metrics-snapshot';
import { streamNames } from '@smsgw/contracts';
import { createMetricsRegistry, startOpsServer, type ReadinessCheck } from './http-server';
import { createAppMetrics, type AppMetrics } from './metrics';
import { createCloser, runUntilSignal, type Closeable, type ProcessLike } from './lifecycle';
import { startTracing, type Tracing } from './tracing';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export interface AppContext {
  app: AppName;
  config: GatewayConfig;
  logger: Logger;
  registry: Registry;
  metrics: AppMetrics;
  /** Instance name: unique per process (consumer names, journal object keys). */
  instance: string;
  env: Record<string, string | undefined>;
  /** The config file in use (--config or GATEWAY_CONFIG); undefined on the embedded defaults. */
  configPath?: string;
  /** The tracer when `tracing.enabled`; undefined otherwise (the SDK is not even loaded). */
  tracing?: Tracing;
}

export interface StartedApp extends Closeable {
  checks: Record<string, ReadinessCheck>;
}

/**
 * What every main.ts does: config (file from --config or GATEWAY_CONFIG, else embedded
 * defaults), the root logger, metrics, the ops HTTP server (/healthz /readyz /metrics), then
 * the app until a signal.
 */
export async function bootApp(
  app: AppName,
  proc: ProcessLike & { argv: string[]; env: Record<string, string | undefined>; pid: number },
  start: (ctx: AppContext) => Promise<StartedApp>,
): Promise<void> {
  const argIdx = proc.argv.indexOf('--config');
  const path = argIdx >= 0 ? proc.argv[argIdx + 1] : proc.env.GATEWAY_CONFIG;
  let config: GatewayConfig;
  try {
    config = loadConfig({ path, env: proc.env });
  } catch (err) {
    // A bad config stops the app with a message naming the field (the error says it).
    console.error((err as Error).message);
    return proc.exit(2);
  }
  const hostname = proc.env.HOSTNAME ?? 'local';
  const instance = proc.env.INSTANCE_ID ?? `${app}-${hostname}-${proc.pid}`;
  // Warnings and errors also go to the journal, exported to S3 as operational records.
  const logJournal = createLogJournal({ redis: config.redis, stream: streamNames(config.redis.prefix).journal, app, instance });
  const logger = createLogger(app, config.log.level, logJournal);
  const registry = createMetricsRegistry(app);
  const metrics = createAppMetrics(registry, { peerLabels: config.http.peerLabels });
  const snapshots = startMetricsSnapshots({ registry, sink: logJournal, app, instance, everyMs: config.journal.metricsEveryMs });
  const tracing = config.tracing.enabled ? await startTracing(config.tracing, { app, instance, logger }) : undefined;
  const ctx: AppContext = { app, config, logger, registry, metrics, instance, env: proc.env, configPath: path, tracing };
  await runUntilSignal(proc, logger, async () => {
    const started = await start(ctx);
    const httpPort = proc.env.HTTP_PORT !== undefined ? Number(proc.env.HTTP_PORT) : config.http.ports[app];
    const ops = await startOpsServer({ host: config.http.host, port: httpPort, registry, checks: started.checks, metricsToken: config.http.metricsToken });
    logger.info({ httpPort: ops.port, instance }, `${app} started`);
    if (!config.http.metricsToken && !LOOPBACK.has(config.http.host)) {
      logger.warn({ host: config.http.host }, '/metrics is open to anyone who reaches this address: set http.metricsToken');
    }
    return { close: createCloser([['http', () => ops.close()], ['app', () => started.close()], ['tracing', () => tracing?.close()], ['metrics snapshots', () => snapshots.close()], ['log journal', () => logJournal.close()]], logger) };
  });
}
