import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * The one root logger of a process: JSON lines on stdout, and — when a journal destination is
 * given — its warnings and errors there too. Passwords never reach it (redacted if passed by
 * mistake).
 */
export function createLogger(app: string, level = 'info', journal?: DestinationStream): Logger {
  const options = {
    name: app,
    level,
    base: { app, pid: process.pid },
    redact: { paths: ['password', '*.password', 'pdu.password'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (!journal || level === 'silent') return pino(options);
  return pino(
    options,
    pino.multistream([
      { level: level as pino.Level, stream: pino.destination({ dest: 1, sync: false }) },
      { level: 'warn', stream: journal },
    ]),
  );
}
