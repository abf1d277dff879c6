import { describe, expect, it } from 'vitest';
import { redisNamespace } from '@smsgw/testing';
import { createLogger } from './logger';
import { createLogJournal } from './log-journal';

describe('operational records (real Redis)', () => {
  it('sends warnings and errors — not info — to the journal stream as log records', async () => {
    const ns = await redisNamespace('logs');
    try {
      const stream = `${ns.prefix}:journal`;
      const journal = createLogJournal({ redis: { url: ns.url }, stream, app: 'sender', instance: 'sender-1', flushMs: 50 });
      const logger = createLogger('sender', 'info', journal);
      logger.info('routine');
      logger.warn({ msgId: 'u1', smscId: 'op1' }, 'submit in doubt');
      logger.error({ password: 'secret' }, 'bind failed');
      await new Promise((r) => setTimeout(r, 200)); // pino hands lines over asynchronously
      await journal.close();
      const entries = (await ns.redis.xrange(stream, '-', '+')) as [string, string[]][];
      const recs = entries.flatMap(([, f]) => JSON.parse(f[1])) as Array<Record<string, unknown>>;
      expect(recs.map((r) => [r.ev, r.app, r.level, r.msg])).toEqual([
        ['log', 'sender', 40, 'submit in doubt'],
        ['log', 'sender', 50, 'bind failed'],
      ]);
      expect(recs[0]).toMatchObject({ msgId: 'u1', smscId: 'op1' });
      expect(recs[1].password).toBe('[redacted]'); // never a password
      expect(new Set(recs.map((r) => r.eid)).size).toBe(2);
      expect(typeof recs[0].ts).toBe('number');
    } finally {
      await ns.cleanup();
    }
  });
});
