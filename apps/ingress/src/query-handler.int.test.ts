import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFinalState, MESSAGE_STATES, type MessageState } from '@smsgw/contracts';
import { createClientBacklog } from '@smsgw/redis';
import { STATUS, type Pdu } from '@smsgw/smpp';
import { createRedisStateStore, type CreateMessageInput } from '@smsgw/store';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { createQueryHandler } from './query-handler';

/** §5.2.28 message_state the client sees for each of our states (v3.4 has no SCHEDULED). */
const EXPECTED: Record<MessageState, number> = {
  ACCEPTED: 1, SCHEDULED: 1, ROUTED: 1, SUBMITTED: 1,
  DELIVERED: 2, EXPIRED: 3, DELETED: 4, UNDELIVERABLE: 5, FAILED: 5, UNKNOWN: 7, REJECTED: 8, POLICY_REJECTED: 8,
};

describe('query_sm in every state (real Redis)', () => {
  let ns: RedisNamespace;
  beforeAll(async () => void (ns = await redisNamespace('query')));
  afterAll(() => ns?.cleanup());

  const pdu = (message_id: string) => ({ command: 'query_sm', commandId: 3, status: 0, seq: 1, tlvs: [], message_id }) as Pdu;

  it('answers each state with its message_state, a final_date once final, and the error code', async () => {
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const query = createQueryHandler(store);
    const t0 = Date.UTC(2026, 11, 2, 10, 0, 0);
    for (const state of MESSAGE_STATES) {
      const id = `q-${state}`;
      // Created in its state (final states with an error code, as a failure would leave it).
      // (The input type names the states a stage creates; the Redis store takes any, as a fixture.)
      await store.createMessage({ id, sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: state as CreateMessageInput['state'], at: t0, err: isFinalState(state) && state !== 'DELIVERED' ? 0x145 : undefined });
      const out = await query(pdu(id), 'acme');
      expect(out.status, state).toBe(STATUS.ESME_ROK);
      expect(out.fields?.message_state, state).toBe(EXPECTED[state]);
      expect(out.fields?.final_date, state).toBe(isFinalState(state) ? '261202100000000+' : '');
      expect(out.fields?.error_code, state).toBe(isFinalState(state) && state !== 'DELIVERED' ? 0x45 : 0);
    }
  });

  it('a message acknowledged but not yet recorded is ENROUTE for its client only; anything else ESME_RQUERYFAIL', async () => {
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    const query = createQueryHandler(store, (sys, id) => backlog.has(sys, id));
    await ns.redis.zadd(`${ns.prefix}:backlog:{acme}`, Date.now() + 60_000, 'fresh-1');
    expect(await query(pdu('fresh-1'), 'acme')).toMatchObject({ status: STATUS.ESME_ROK, fields: { message_state: 1, final_date: '' } });
    expect((await query(pdu('fresh-1'), 'globex')).status).toBe(STATUS.ESME_RQUERYFAIL);
    expect((await query(pdu('never-given'), 'acme')).status).toBe(STATUS.ESME_RQUERYFAIL);
    expect((await query(pdu(''), 'acme')).status).toBe(STATUS.ESME_RQUERYFAIL);
  });

  it('a message the client cancelled is DELETED at once, before any stage moved its record; never for another client', async () => {
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    const query = createQueryHandler(store, (sys, id) => backlog.has(sys, id), (sys, id) => backlog.isCancelled(sys, id));
    const exp = Date.now() + 60_000;
    await ns.redis.zadd(`${ns.prefix}:backlog:{acme}`, exp, 'c-queued', exp, 'c-routed');
    await store.createMessage({ id: 'c-routed', sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
    expect(await backlog.cancel('acme', 'c-queued')).toBe(true);
    expect(await backlog.cancel('acme', 'c-routed')).toBe(true);
    // No record yet (still in `in`), and a record not moved yet: both DELETED (4) with a final_date.
    for (const id of ['c-queued', 'c-routed']) {
      const out = await query(pdu(id), 'acme');
      expect(out, id).toMatchObject({ status: STATUS.ESME_ROK, fields: { message_id: id, message_state: 4, error_code: 0 } });
      expect(out.fields?.final_date, id).toMatch(/^\d{12}000\+$/);
    }
    expect((await query(pdu('c-queued'), 'globex')).status).toBe(STATUS.ESME_RQUERYFAIL);
    expect((await query(pdu('c-routed'), 'globex')).status).toBe(STATUS.ESME_RQUERYFAIL);
  });
});
