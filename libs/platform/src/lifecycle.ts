import type { Logger } from 'pino';

export interface Closeable {
  close(): Promise<void>;
}

/**
 * Runs every close step even when one fails (bullmq's idempotent close): the first error is
 * rethrown after all steps ran. Calling it twice returns the same promise.
 */
export function createCloser(steps: Array<[string, () => Promise<void> | void]>, logger?: Logger): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= (async () => {
      let first: unknown;
      for (const [name, step] of steps) {
        try {
          await step();
        } catch (err) {
          logger?.error({ err, step: name }, 'close step failed');
          first ??= err;
        }
      }
      if (first) throw first;
    })();
    return done;
  };
}

export interface ProcessLike {
  on(event: 'SIGINT' | 'SIGTERM', fn: () => void): unknown;
  on(event: 'uncaughtException' | 'unhandledRejection', fn: (err: unknown) => void): unknown;
  exit(code: number): never;
}

/**
 * Process edge (close-with-grace): first SIGINT/SIGTERM closes the app within `deadlineMs`,
 * a second signal or the deadline exits at once; a crash logs and exits 1. Called by main.ts,
 * which passes its `process` in.
 */
export async function runUntilSignal(
  proc: ProcessLike,
  logger: Logger,
  start: () => Promise<Closeable>,
  deadlineMs = 10_000,
): Promise<void> {
  let app: Closeable | undefined;
  let stopping = false;
  const stop = (code: number, reason: string) => {
    if (stopping) {
      logger.warn({ reason }, 'second signal: exiting now');
      proc.exit(code || 1);
    }
    stopping = true;
    logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown deadline passed: exiting');
      proc.exit(1);
    }, deadlineMs);
    timer.unref();
    Promise.resolve(app?.close())
      .then(() => {
        logger.info('stopped');
        proc.exit(code);
      })
      .catch((err) => {
        logger.error({ err }, 'shutdown failed');
        proc.exit(1);
      });
  };
  proc.on('SIGINT', () => stop(0, 'SIGINT'));
  proc.on('SIGTERM', () => stop(0, 'SIGTERM'));
  proc.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    stop(1, 'crash');
  });
  proc.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection');
    stop(1, 'crash');
  });
  try {
    app = await start();
  } catch (err) {
    logger.fatal({ err }, 'start failed');
    proc.exit(1);
  }
}
