import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inEntrySchema, isFinalState, MESSAGE_STATES, streamNames, type MessageState } from '@smsgw/contracts';
import { createClientBacklog, createMultiIds } from '@smsgw/redis';
import { STATUS, type Pdu } from '@smsgw/smpp';
import { createRedisStateStore, type CreateMessageInput } from '@smsgw/store';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { createQueryHandler } from './query-handler';
import { createSubmitMultiHandler } from './submit-multi';

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

describe('query_sm by the message_id of a submit_multi: one state for all its destinations (real Redis)', () => {
  let ns: RedisNamespace;
  beforeAll(async () => void (ns = await redisNamespace('query-multi')));
  afterAll(() => ns?.cleanup());

  const pdu = (message_id: string) => ({ command: 'query_sm', commandId: 3, status: 0, seq: 1, tlvs: [], message_id }) as Pdu;
  const DESTS = ['447700900001', '447700900002', '447700900003'];

  /** The ingress path as main.ts wires it: a submit_multi to DESTS, and the query handler beside it. */
  async function submitted() {
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    const multiIds = createMultiIds(ns.redis, ns.prefix);
    const names = streamNames(ns.prefix);
    const submitMulti = createSubmitMultiHandler({ enqueueAll: (es) => backlog.enqueueAll(names.in, es), recordIds: multiIds.record, backlogFull: () => false });
    const query = createQueryHandler(store, (sys, id) => backlog.has(sys, id), (sys, id) => backlog.isCancelled(sys, id), multiIds.idsOf);
    const out = await submitMulti({
      command: 'submit_multi', commandId: 0x21, seq: 1, status: 0, tlvs: [],
      source_addr_ton: 5, source_addr_npi: 0, source_addr: 'ACME', registered_delivery: 1, short_message: Buffer.from('to all'),
      dest_addresses: DESTS.map((d) => ({ dest_flag: 1, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: d })),
    } as Pdu, 'acme');
    expect(out.status).toBe(STATUS.ESME_ROK);
    const cid = out.messageId!;
    // The destinations' own ids, in submit order.
    const ids = ((await ns.redis.xrange(names.in, '-', '+')) as [string, string[]][])
      .map(([, f]) => inEntrySchema.parse(JSON.parse(f[1]!)))
      .filter((e) => e.cid === cid)
      .map((e) => e.id);
    expect(ids).toHaveLength(3);
    /** The record the policy-worker creates for destination `i`. */
    const create = (i: number, at: number) => store.createMessage({ id: ids[i]!, cid, sys: 'acme', src: 'ACME', dst: DESTS[i]!, rd: 1, state: 'ROUTED', at });
    return { store, query, cid, ids, create };
  }

  it('ENROUTE right after the ROK (no records yet) and while any destination is not final; DELIVERED once all were, final_date the latest', async () => {
    const { store, query, cid, ids, create } = await submitted();
    expect(await query(pdu(cid), 'acme')).toEqual({ status: STATUS.ESME_ROK, fields: { message_id: cid, message_state: 1, final_date: '', error_code: 0 } });
    const t0 = Date.UTC(2026, 11, 2, 10, 0, 0);
    // Two recorded (one of them delivered), one still waiting in `in`: ENROUTE.
    await create(0, t0);
    await create(1, t0);
    await store.transition(ids[0]!, 'DELIVERED', { at: t0 + 5_000 });
    expect((await query(pdu(cid), 'acme')).fields).toMatchObject({ message_state: 1, final_date: '' });
    // All recorded, two final: still ENROUTE.
    await create(2, t0);
    await store.transition(ids[2]!, 'DELIVERED', { at: t0 + 9_000 });
    expect((await query(pdu(cid), 'acme')).fields).toMatchObject({ message_state: 1, final_date: '' });
    await store.transition(ids[1]!, 'DELIVERED', { at: t0 + 7_000 });
    expect(await query(pdu(cid), 'acme')).toEqual({ status: STATUS.ESME_ROK, fields: { message_id: cid, message_state: 2, final_date: '261202100009000+', error_code: 0 } });
  });

  it('all final, some not delivered: the state and error_code of the first such destination in submit order', async () => {
    const { store, query, cid, ids, create } = await submitted();
    const t0 = Date.UTC(2026, 11, 2, 10, 0, 0);
    for (const i of [0, 1, 2]) await create(i, t0);
    await store.transition(ids[0]!, 'DELIVERED', { at: t0 + 1_000 });
    await store.transition(ids[1]!, 'EXPIRED', { at: t0 + 2_000, err: 0x162 });
    // The last to end (and not the first undelivered): its time is final_date, not its state.
    await store.transition(ids[2]!, 'UNDELIVERABLE', { at: t0 + 3_000, err: 0x145 });
    expect(await query(pdu(cid), 'acme')).toEqual({ status: STATUS.ESME_ROK, fields: { message_id: cid, message_state: 3, final_date: '261202100003000+', error_code: 0x62 } });
    // Each destination still answers by its own id.
    expect((await query(pdu(ids[2]!), 'acme')).fields).toMatchObject({ message_id: ids[2], message_state: 5, error_code: 0x45 });
  });

  it("another client's cid is refused as an unknown id is", async () => {
    const { query, cid } = await submitted();
    expect(await query(pdu(cid), 'globex')).toEqual({ status: STATUS.ESME_RQUERYFAIL });
    expect(await query(pdu('not-a-cid'), 'acme')).toEqual({ status: STATUS.ESME_RQUERYFAIL });
  });
});
