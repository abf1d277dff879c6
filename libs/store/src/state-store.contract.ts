import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateMessageInput, StateStore } from './state-store';
import { describeReceiptContract } from './state-store-receipts.contract';

/**
 * The one behaviour suite every StateStore backend passes (Redis, Aerospike). Each test uses
 * fresh UUIDs and client names, so the suite can share one store and never sees another
 * test's data.
 */
export function describeStateStoreContract(
  name: string,
  make: () => Promise<{ store: StateStore; cleanup(): Promise<void> }>,
): void {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    let cleanup: () => Promise<void> = async () => {};

    beforeAll(async () => {
      const made = await make();
      store = made.store;
      cleanup = made.cleanup;
    });
    afterAll(async () => {
      await cleanup();
    });

    const T0 = 1_700_000_000_000;
    const input = (over: Partial<CreateMessageInput> = {}): CreateMessageInput => ({
      id: randomUUID(),
      sys: 'acme',
      src: '4912345',
      dst: '4915112345678',
      rd: 1,
      state: 'ACCEPTED',
      at: T0,
      ...over,
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('creates a message only if absent', async () => {
      const m = input({ pool: 'de' });
      expect(await store.createMessage(m)).toBe(true);
      expect(await store.createMessage({ ...m, state: 'ROUTED', at: T0 + 5 })).toBe(false);
      const rec = await store.get(m.id);
      expect(rec).toMatchObject({ id: m.id, sys: 'acme', src: m.src, dst: m.dst, rd: 1, state: 'ACCEPTED', pool: 'de' });
      expect(rec).toMatchObject({ parts: 0, partStates: [], smscIds: [], createdAt: T0, updatedAt: T0 });
      expect(rec?.times).toEqual({ ACCEPTED: T0 });
    });

    it('keeps the client message_id (cid) of a submit_multi destination, per record', async () => {
      const cid = randomUUID();
      const [a, b] = [input({ cid, dst: '4915100000001' }), input({ cid, dst: '4915100000002', state: 'POLICY_REJECTED', err: 0x0b })];
      await Promise.all([store.createMessage(a), store.createMessage(b)]);
      expect(await store.get(a.id)).toMatchObject({ id: a.id, cid, dst: a.dst, state: 'ACCEPTED' });
      expect(await store.get(b.id)).toMatchObject({ id: b.id, cid, dst: b.dst, state: 'POLICY_REJECTED' });
      // The record the part-final write returns (what the dlr-worker builds the receipt from) has it too.
      await store.recordSubmit(a.id, { part: 0, parts: 1, smsc: 's1', smscMsgId: `cid-${a.id}`, at: T0 + 1 });
      const part = await store.recordPartFinal(a.id, 0, 'DELIVERED', { at: T0 + 2 });
      expect(part.record).toMatchObject({ id: a.id, cid });
      // A message of its own (submit_sm) has none.
      const plain = input();
      await store.createMessage(plain);
      expect((await store.get(plain.id))?.cid).toBeUndefined();
    });

    it('keeps the client\'s data_coding and the one the SMSC got, and reads records without them', async () => {
      // A UCS-2 text (0x08) the sender re-encoded to GSM 7-bit (0x00) for its SMSC, sent in two parts.
      const m = input({ state: 'ROUTED', dc: 8 });
      await store.createMessage(m);
      expect(await store.get(m.id)).toMatchObject({ dc: 8 });
      expect((await store.get(m.id))?.sdc).toBeUndefined();
      await store.recordSubmit(m.id, { part: 1, parts: 2, smsc: 's1', smscMsgId: `dc1-${m.id}`, at: T0 + 1, sdc: 0 });
      await store.recordSubmit(m.id, { part: 0, parts: 2, smsc: 's1', smscMsgId: `dc0-${m.id}`, at: T0 + 2, sdc: 0 });
      expect(await store.get(m.id)).toMatchObject({ state: 'SUBMITTED', dc: 8, sdc: 0 });
      // The one-part fast path (Aerospike writes it without reading first) keeps it too.
      const one = input({ state: 'ROUTED', dc: 0 });
      await store.createMessage(one);
      await store.recordSubmit(one.id, { part: 0, parts: 1, smsc: 's1', smscMsgId: `dc-${one.id}`, at: T0 + 1, sdc: 3 });
      expect(await store.get(one.id)).toMatchObject({ state: 'SUBMITTED', dc: 0, sdc: 3 });
      // A replacement before the submit changed the client's data_coding and registered_delivery:
      // the submit says which they were.
      const replaced = input({ state: 'ROUTED', dc: 0, rd: 1 });
      await store.createMessage(replaced);
      await store.recordSubmit(replaced.id, { part: 0, parts: 1, smsc: 's1', smscMsgId: `r-${replaced.id}`, at: T0 + 1, sdc: 8, dc: 8, rd: 0 });
      expect(await store.get(replaced.id)).toMatchObject({ dc: 8, sdc: 8, rd: 0 });
      // Written without them (as before they existed): read without them.
      const old = input({ state: 'ROUTED' });
      await store.createMessage(old);
      await store.recordSubmit(old.id, { part: 0, parts: 1, smsc: 's1', smscMsgId: `old-${old.id}`, at: T0 + 1 });
      const rec = await store.get(old.id);
      expect(rec).toMatchObject({ state: 'SUBMITTED', smscIds: [`old-${old.id}`] });
      expect(rec).not.toHaveProperty('dc');
      expect(rec).not.toHaveProperty('sdc');
    });

    it('keeps the traceparent a submit brings (a traced message), on the one-part and the multipart path', async () => {
      const tp = (n: number) => `00-${'ab'.repeat(16)}-${String(n).repeat(16)}-01`;
      const one = input({ state: 'ROUTED' });
      await store.createMessage(one);
      await store.recordSubmit(one.id, { part: 0, parts: 1, smsc: 's1', smscMsgId: `tp-${one.id}`, at: T0 + 1, tp: tp(1) });
      expect(await store.get(one.id)).toMatchObject({ state: 'SUBMITTED', tp: tp(1) });
      const two = input({ state: 'ROUTED' });
      await store.createMessage(two);
      await store.recordSubmit(two.id, { part: 0, parts: 2, smsc: 's1', smscMsgId: `tp0-${two.id}`, at: T0 + 1, tp: tp(2) });
      await store.recordSubmit(two.id, { part: 1, parts: 2, smsc: 's1', smscMsgId: `tp1-${two.id}`, at: T0 + 2 });
      // The receipt's write hands the record back with it: the dlr-worker's span continues from there.
      const final = await store.recordPartFinal(two.id, 0, 'DELIVERED', { at: T0 + 3 });
      expect(final.record?.tp).toBe(tp(2));
      const untraced = input({ state: 'ROUTED' });
      await store.createMessage(untraced);
      await store.recordSubmit(untraced.id, { part: 0, parts: 1, smsc: 's1', smscMsgId: `ut-${untraced.id}`, at: T0 + 1 });
      expect(await store.get(untraced.id)).not.toHaveProperty('tp');
    });

    it('keeps the SMSC\'s own form of a part\'s id where it differs from the normalised one, a resend\'s replacing it', async () => {
      const m = input({ state: 'ROUTED' });
      await store.createMessage(m);
      await store.recordSubmit(m.id, { part: 0, parts: 2, smsc: 's1', smscMsgId: `a${m.id}`, rawSmscMsgId: `000A${m.id}`, at: T0 + 1 });
      await store.recordSubmit(m.id, { part: 1, parts: 2, smsc: 's1', smscMsgId: `b${m.id}`, rawSmscMsgId: `b${m.id}`, at: T0 + 2 });
      expect(await store.get(m.id)).toMatchObject({ state: 'SUBMITTED', smscIds: [`a${m.id}`, `b${m.id}`], rawSmscIds: [`000A${m.id}`, null] });
      // Resends after an in-doubt submit: the new id's form replaces the old one, or its absence removes it.
      await store.recordSubmit(m.id, { part: 1, parts: 2, smsc: 's1', smscMsgId: `d${m.id}`, rawSmscMsgId: `0D${m.id}`, at: T0 + 3 });
      expect((await store.get(m.id))?.rawSmscIds).toEqual([`000A${m.id}`, `0D${m.id}`]);
      await store.recordSubmit(m.id, { part: 0, parts: 2, smsc: 's1', smscMsgId: `c${m.id}`, rawSmscMsgId: `c${m.id}`, at: T0 + 4 });
      await store.recordSubmit(m.id, { part: 1, parts: 2, smsc: 's1', smscMsgId: `e${m.id}`, at: T0 + 5 });
      const rec = await store.get(m.id);
      expect(rec?.smscIds).toEqual([`c${m.id}`, `e${m.id}`]);
      expect(rec).not.toHaveProperty('rawSmscIds');
      // The one-part fast path (Aerospike writes it without reading first) keeps it too.
      const one = input({ state: 'ROUTED' });
      await store.createMessage(one);
      await store.recordSubmit(one.id, { part: 0, parts: 1, smsc: 's1', smscMsgId: `f${one.id}`, rawSmscMsgId: `0F${one.id}`, at: T0 + 1 });
      expect(await store.get(one.id)).toMatchObject({ state: 'SUBMITTED', rawSmscIds: [`0F${one.id}`] });
    });

    it('keeps err of a message created rejected', async () => {
      const m = input({ state: 'POLICY_REJECTED', err: 0x0b });
      await store.createMessage(m);
      expect(await store.get(m.id)).toMatchObject({ state: 'POLICY_REJECTED', err: 0x0b });
      expect(await store.transition(m.id, 'DELIVERED', { at: T0 + 1 })).toEqual({ applied: false, prev: 'POLICY_REJECTED' });
    });

    it('moves forward only, and a final state never changes', async () => {
      const m = input();
      await store.createMessage(m);
      expect(await store.transition(m.id, 'ROUTED', { at: T0 + 1 })).toEqual({ applied: true, prev: 'ACCEPTED' });
      expect(await store.transition(m.id, 'SUBMITTED', { at: T0 + 2, smsc: 'smsc-a' })).toEqual({ applied: true, prev: 'ROUTED' });
      expect(await store.transition(m.id, 'ROUTED', { at: T0 + 3 })).toEqual({ applied: false, prev: 'SUBMITTED' });
      expect(await store.transition(m.id, 'SUBMITTED', { at: T0 + 3 })).toEqual({ applied: false, prev: 'SUBMITTED' });
      expect(await store.transition(m.id, 'DELIVERED', { at: T0 + 4 })).toEqual({ applied: true, prev: 'SUBMITTED' });
      expect(await store.transition(m.id, 'UNDELIVERABLE', { at: T0 + 5, err: 1 })).toEqual({ applied: false, prev: 'DELIVERED' });
      const rec = await store.get(m.id);
      expect(rec?.state).toBe('DELIVERED');
      expect(rec?.smsc).toBe('smsc-a');
      expect(rec?.err).toBeUndefined();
      expect(rec?.times).toEqual({ ACCEPTED: T0, ROUTED: T0 + 1, SUBMITTED: T0 + 2, DELIVERED: T0 + 4 });
      expect(rec?.updatedAt).toBe(T0 + 4);
    });

    it('lets a final state be reached from any non-final state, with its err', async () => {
      const m = input();
      await store.createMessage(m);
      expect(await store.transition(m.id, 'FAILED', { at: T0 + 1, err: 0x45 })).toEqual({ applied: true, prev: 'ACCEPTED' });
      expect(await store.get(m.id)).toMatchObject({ state: 'FAILED', err: 0x45 });
    });

    it('applies exactly one of 20 concurrent transitions to the same target', async () => {
      const m = input({ state: 'ROUTED' });
      await store.createMessage(m);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.transition(m.id, 'SUBMITTED', { at: T0 + 10 + i })),
      );
      expect(results.filter((r) => r.applied)).toHaveLength(1);
      expect(results.every((r) => r.prev === 'ROUTED' || r.prev === 'SUBMITTED')).toBe(true);
      expect((await store.get(m.id))?.state).toBe('SUBMITTED');
    });

    it('lets exactly one of competing final states win', async () => {
      const m = input({ state: 'ROUTED' });
      await store.createMessage(m);
      const targets = ['DELIVERED', 'UNDELIVERABLE', 'EXPIRED', 'REJECTED', 'UNKNOWN'] as const;
      const results = await Promise.all(targets.map((t, i) => store.transition(m.id, t, { at: T0 + i })));
      expect(results.filter((r) => r.applied)).toHaveLength(1);
      const winner = targets[results.findIndex((r) => r.applied)];
      expect((await store.get(m.id))?.state).toBe(winner);
    });

    it('records submits of a multi-part message and finds each correlation', async () => {
      const m = input({ state: 'ROUTED' });
      await store.createMessage(m);
      const smsc = `smsc-${randomUUID().slice(0, 8)}`;
      await Promise.all(
        [0, 1, 2].map((part) =>
          store.recordSubmit(m.id, { part, parts: 3, smsc, smscMsgId: `X${part}-${m.id.slice(0, 8)}`, at: T0 + 20 + part }),
        ),
      );
      for (const part of [0, 1, 2]) {
        expect(await store.findCorrelation(smsc, `X${part}-${m.id.slice(0, 8)}`)).toEqual({ id: m.id, part, parts: 3 });
      }
      expect(await store.findCorrelation(smsc, 'no-such-id')).toBeNull();
      expect(await store.findCorrelation('other-smsc', `X0-${m.id.slice(0, 8)}`)).toBeNull();
      const rec = await store.get(m.id);
      expect(rec).toMatchObject({ parts: 3, smsc, partStates: [null, null, null], updatedAt: T0 + 22 });
      expect(rec?.smscIds).toEqual([0, 1, 2].map((p) => `X${p}-${m.id.slice(0, 8)}`));
      expect(rec?.state).toBe('SUBMITTED'); // every part acknowledged
      expect(rec?.segments).toBe(3); // not given: as many as parts
    });

    it('keeps the segment count as sent (payload mode: one part, several segments)', async () => {
      const m = input({ state: 'ROUTED' });
      await store.createMessage(m);
      await store.recordSubmit(m.id, { part: 0, parts: 1, smsc: 's1', smscMsgId: `pl-${m.id}`, at: T0 + 1, segments: 7 });
      expect(await store.get(m.id)).toMatchObject({ parts: 1, segments: 7, state: 'SUBMITTED' });
    });

    it('moves to SUBMITTED with the last acknowledged part, exactly once', async () => {
      const m = input({ state: 'ROUTED' });
      await store.createMessage(m);
      expect(await store.recordSubmit(m.id, { part: 1, parts: 2, smsc: 's1', smscMsgId: `b-${m.id}`, at: T0 + 5 })).toEqual({ submitted: false });
      expect((await store.get(m.id))?.state).toBe('ROUTED');
      expect(await store.recordSubmit(m.id, { part: 0, parts: 2, smsc: 's1', smscMsgId: `a-${m.id}`, at: T0 + 6 })).toEqual({ submitted: true });
      const rec = await store.get(m.id);
      expect(rec).toMatchObject({ state: 'SUBMITTED', times: { SUBMITTED: T0 + 6 } });
      // A repeated acknowledgement (resend after an in-doubt submit) does not move it again.
      expect(await store.recordSubmit(m.id, { part: 0, parts: 2, smsc: 's1', smscMsgId: `a2-${m.id}`, at: T0 + 7 })).toEqual({ submitted: false });
      // A final state is never left, not even by a late acknowledgement.
      await store.transition(m.id, 'DELIVERED', { at: T0 + 8 });
      expect(await store.recordSubmit(m.id, { part: 1, parts: 2, smsc: 's1', smscMsgId: `b2-${m.id}`, at: T0 + 9 })).toEqual({ submitted: false });
      expect((await store.get(m.id))?.state).toBe('DELIVERED');
    });

    describeReceiptContract({ get store() { return store; } }, input, T0);

    it('holds a scheduled message: SCHEDULED moves on to ROUTED, or ends EXPIRED, never back', async () => {
      const m = input({ state: 'SCHEDULED' });
      expect(await store.createMessage(m)).toBe(true);
      expect((await store.get(m.id))?.state).toBe('SCHEDULED');
      // Released and routed: the policy-worker's create finds the record and moves it on.
      expect(await store.createMessage({ ...m, state: 'ROUTED', at: T0 + 1 })).toBe(false);
      expect(await store.transition(m.id, 'ROUTED', { at: T0 + 1 })).toEqual({ applied: true, prev: 'SCHEDULED' });
      expect(await store.transition(m.id, 'SCHEDULED', { at: T0 + 2 })).toEqual({ applied: false, prev: 'ROUTED' });
      const e = input({ state: 'SCHEDULED' });
      await store.createMessage(e);
      expect(await store.transition(e.id, 'EXPIRED', { at: T0 + 3 })).toEqual({ applied: true, prev: 'SCHEDULED' });
      expect(await store.get(e.id)).toMatchObject({ state: 'EXPIRED', times: { SCHEDULED: T0, EXPIRED: T0 + 3 } });
    });

    it('rejects a non-final part state and a bad part index', async () => {
      const m = input();
      await store.createMessage(m);
      await expect(store.recordPartFinal(m.id, 0, 'SUBMITTED', { at: T0 })).rejects.toThrow(RangeError);
      await expect(store.recordPartFinal(m.id, -1, 'DELIVERED', { at: T0 })).rejects.toThrow(RangeError);
    });

    it('counts stats, also under 50 concurrent increments', async () => {
      const client = `c-${randomUUID().slice(0, 8)}`;
      // Several states and keys in one turn of the event loop (the Redis store writes them per key in one call).
      const inc = (state: 'DELIVERED' | 'UNDELIVERABLE', smsc = 'smsc-a') => store.incrementStats('2024-03-01', client, smsc, state);
      await Promise.all([...Array.from({ length: 50 }, () => inc('DELIVERED')), inc('UNDELIVERABLE'), inc('DELIVERED', 'smsc-c')]);
      expect(await store.getStats('2024-03-01', client, 'smsc-c')).toEqual({ DELIVERED: 1 });
      await store.incrementStats('2024-03-02', client, 'smsc-a', 'DELIVERED');
      await store.incrementStats('2024-03-01', client, 'smsc-b', 'DELIVERED');
      expect(await store.getStats('2024-03-01', client, 'smsc-a')).toEqual({ DELIVERED: 50, UNDELIVERABLE: 1 });
      expect(await store.getStats('2024-03-01', client, 'smsc-b')).toEqual({ DELIVERED: 1 });
      expect(await store.getStats('2024-03-03', client, 'smsc-a')).toEqual({});
    });

    it('finds a client\'s messages to a destination in a time window, newest first', async () => {
      const sys = `c-${randomUUID().slice(0, 8)}`;
      const at = [0, 1_000, 2_000, 3_000, 4_000].map((d) => T0 + d);
      const ms = at.map((t) => input({ sys, at: t }));
      for (const m of ms) await store.createMessage(m);
      // Another destination and another client with the same destination stay out.
      await store.createMessage(input({ sys, dst: '4915100000000', at: T0 + 1_500 }));
      await store.createMessage(input({ sys: `${sys}x`, at: T0 + 1_500 }));
      const ids = async (q: Partial<{ from: number; to: number; limit: number }> = {}) =>
        (await store.search({ sys, dst: '4915112345678', from: T0, to: T0 + 10_000, limit: 100, ...q })).map((r) => r.id);
      expect(await ids()).toEqual([...ms].reverse().map((m) => m.id));
      expect(await ids({ from: T0 + 1_000, to: T0 + 3_000 })).toEqual([ms[3]!.id, ms[2]!.id, ms[1]!.id]);
      expect(await ids({ limit: 2 })).toEqual([ms[4]!.id, ms[3]!.id]);
      expect(await ids({ from: T0 + 5_000 })).toEqual([]);
      // Records, whole: the state as it is now.
      await store.transition(ms[4]!.id, 'ROUTED', { at: T0 + 4_100 });
      expect((await store.search({ sys, dst: '4915112345678', from: T0 + 4_000, to: T0 + 4_000, limit: 1 }))[0]).toMatchObject({ id: ms[4]!.id, sys, state: 'ROUTED' });
      // Created again (a redelivery, a held message released later): found once, at its first time.
      expect(await store.createMessage({ ...ms[0]!, state: 'ROUTED', at: T0 + 9_000 })).toBe(false);
      expect(await ids({ from: T0 + 5_000 })).toEqual([]);
      expect(await ids()).toHaveLength(5);
      expect(await store.search({ sys: `nobody-${sys}`, dst: '4915112345678', from: 0, to: Number.MAX_SAFE_INTEGER, limit: 10 })).toEqual([]);
    });

    it('treats a missing message as absent everywhere', async () => {
      const id = randomUUID();
      expect(await store.get(id)).toBeNull();
      expect(await store.transition(id, 'ROUTED', { at: T0 })).toEqual({ applied: false, prev: null });
      expect(await store.recordPartFinal(id, 0, 'DELIVERED', { at: T0 })).toEqual({ applied: false, partStates: [], record: null });
      expect(await store.recordSubmit(id, { part: 0, parts: 1, smsc: 's1', smscMsgId: `m-${id}`, at: T0 })).toEqual({ submitted: false });
      expect(await store.get(id)).toBeNull(); // recordSubmit does not resurrect the record
    });
  });
}
