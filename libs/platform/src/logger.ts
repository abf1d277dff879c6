import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** The one root logger of a process. Passwords never reach it (redacted if passed by mistake). */
export function createLogger(app: string, level = 'info', dest?: DestinationStream): Logger {
  return pino(
    {
      name: app,
      level,
      base: { app, pid: process.pid },
      redact: { paths: ['password', '*.password', 'pdu.password'], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    dest,
  );
}
