import { expect, it } from 'vitest';
import type { MessageState } from '@smsgw/contracts';
import type { CreateMessageInput, StateStore } from './state-store';

/**
 * The receipts' part of the StateStore contract (state-store.contract.ts registers it in its
 * suite): a part's final state recorded once, and the message's whole state taken with the part
 * that completes it — one part or several, in any order, once.
 */
export function describeReceiptContract(
  ctx: { readonly store: StateStore },
  input: (over?: Partial<CreateMessageInput>) => CreateMessageInput,
  T0: number,
): void {
  it('sets a part final once and reports all part states', async () => {
    const m = input({ state: 'ROUTED' });
    await ctx.store.createMessage(m);
    for (const part of [0, 1, 2]) {
      await ctx.store.recordSubmit(m.id, { part, parts: 3, smsc: 's1', smscMsgId: `${m.id}-${part}`, at: T0 + 1 });
    }
    const first = await ctx.store.recordPartFinal(m.id, 1, 'DELIVERED', { at: T0 + 30 });
    expect(first).toMatchObject({ applied: true, partStates: [null, 'DELIVERED', null] });
    // The record after the write comes with the answer (no second read for the caller).
    expect(first.record).toMatchObject({ id: m.id, sys: 'acme', dst: '4915112345678', rd: 1, parts: 3, partStates: [null, 'DELIVERED', null], updatedAt: T0 + 30 });
    // The duplicate receipt, even with another outcome, changes nothing.
    expect(await ctx.store.recordPartFinal(m.id, 1, 'UNDELIVERABLE', { at: T0 + 31 })).toMatchObject({
      applied: false,
      partStates: [null, 'DELIVERED', null],
    });
    expect(await ctx.store.recordPartFinal(m.id, 0, 'DELIVERED', { at: T0 + 32 })).toMatchObject({
      applied: true,
      partStates: ['DELIVERED', 'DELIVERED', null],
    });
    const concurrent = await Promise.all(
      Array.from({ length: 10 }, (_, i) => ctx.store.recordPartFinal(m.id, 2, i % 2 ? 'EXPIRED' : 'DELIVERED', { at: T0 + 40 })),
    );
    expect(concurrent.filter((r) => r.applied)).toHaveLength(1);
    const rec = await ctx.store.get(m.id);
    expect(rec?.partStates.slice(0, 2)).toEqual(['DELIVERED', 'DELIVERED']);
    expect(['DELIVERED', 'EXPIRED']).toContain(rec?.partStates[2]);
    expect(rec?.state).toBe('SUBMITTED'); // part finals never move the message state: transition() does
  });

  it('moves the message to its whole state in the part-final write, once', async () => {
    const m = input({ state: 'ROUTED' });
    await ctx.store.createMessage(m);
    for (const part of [0, 1]) await ctx.store.recordSubmit(m.id, { part, parts: 2, smsc: 's1', smscMsgId: `w-${m.id}-${part}`, at: T0 + 1 });
    // "Final when every part is": the first part leaves the message SUBMITTED.
    const whole = { of: (ps: (string | null)[]) => (ps.every(Boolean) ? ('UNDELIVERABLE' as const) : null), err: 0x45 };
    const first = await ctx.store.recordPartFinal(m.id, 0, 'DELIVERED', { at: T0 + 10, whole });
    expect(first.whole).toBeUndefined();
    expect((await ctx.store.get(m.id))?.state).toBe('SUBMITTED');
    const last = await ctx.store.recordPartFinal(m.id, 1, 'UNDELIVERABLE', { at: T0 + 11, whole });
    expect(last.whole).toEqual({ state: 'UNDELIVERABLE', applied: true });
    expect(last.record).toMatchObject({ state: 'UNDELIVERABLE', err: 0x45, times: { UNDELIVERABLE: T0 + 11 } });
    expect(await ctx.store.get(m.id)).toMatchObject({ state: 'UNDELIVERABLE', err: 0x45, times: { UNDELIVERABLE: T0 + 11 } });
    // A duplicate of the last receipt sets nothing and moves nothing.
    const again = await ctx.store.recordPartFinal(m.id, 1, 'DELIVERED', { at: T0 + 12, whole });
    expect(again).toMatchObject({ applied: false });
    expect(again.whole).toBeUndefined();
    // A message already final (e.g. FAILED by the sender) is not moved by its parts.
    const f = input({ state: 'ROUTED' });
    await ctx.store.createMessage(f);
    await ctx.store.recordSubmit(f.id, { part: 0, parts: 1, smsc: 's1', smscMsgId: `w-${f.id}`, at: T0 + 1 });
    await ctx.store.transition(f.id, 'FAILED', { at: T0 + 2, err: 8 });
    const late = await ctx.store.recordPartFinal(f.id, 0, 'DELIVERED', { at: T0 + 3, whole: { of: () => 'DELIVERED' } });
    expect(late.whole).toEqual({ state: 'DELIVERED', applied: false });
    expect(await ctx.store.get(f.id)).toMatchObject({ state: 'FAILED', err: 8 });
  });

  it('moves a one-part message to its whole state with its only part, once', async () => {
    const m = input({ state: 'ROUTED', rd: 3 });
    await ctx.store.createMessage(m);
    await ctx.store.recordSubmit(m.id, { part: 0, parts: 1, smsc: 's1', smscMsgId: `o-${m.id}`, at: T0 + 1 });
    const seen: (string | null)[][] = [];
    const whole = { of: (ps: (MessageState | null)[]) => (seen.push(ps), ps.every(Boolean) ? ('EXPIRED' as const) : null), err: 0x0c };
    const res = await ctx.store.recordPartFinal(m.id, 0, 'EXPIRED', { at: T0 + 5, whole });
    expect(res).toMatchObject({ applied: true, partStates: ['EXPIRED'], whole: { state: 'EXPIRED', applied: true } });
    expect(seen.every((ps) => ps.length === 1 && ps[0] === 'EXPIRED')).toBe(true); // asked about this part alone
    // What the receipt is built from: the record after both moves.
    expect(res.record).toMatchObject({
      id: m.id, sys: 'acme', src: m.src, dst: m.dst, rd: 3, smsc: 's1', parts: 1, segments: 1, state: 'EXPIRED', err: 0x0c,
      partStates: ['EXPIRED'], smscIds: [`o-${m.id}`], createdAt: T0, updatedAt: T0 + 5,
    });
    expect(res.record?.times).toMatchObject({ SUBMITTED: T0 + 1, EXPIRED: T0 + 5 });
    expect(await ctx.store.get(m.id)).toMatchObject({
      state: 'EXPIRED', err: 0x0c, partStates: ['EXPIRED'], updatedAt: T0 + 5, times: { ROUTED: T0, SUBMITTED: T0 + 1, EXPIRED: T0 + 5 },
    });
    // The duplicate receipt (another outcome, later) sets nothing, moves nothing, touches nothing.
    const again = await ctx.store.recordPartFinal(m.id, 0, 'DELIVERED', { at: T0 + 9, whole: { of: () => 'DELIVERED' } });
    expect(again).toMatchObject({ applied: false, partStates: ['EXPIRED'] });
    expect(again.whole).toBeUndefined();
    expect(await ctx.store.get(m.id)).toMatchObject({ state: 'EXPIRED', err: 0x0c, partStates: ['EXPIRED'], updatedAt: T0 + 5 });
    // No whole state named: the part is set, the message stays where it is.
    const open = input({ state: 'ROUTED' });
    await ctx.store.createMessage(open);
    await ctx.store.recordSubmit(open.id, { part: 0, parts: 1, smsc: 's1', smscMsgId: `o-${open.id}`, at: T0 + 1 });
    const none = await ctx.store.recordPartFinal(open.id, 0, 'DELIVERED', { at: T0 + 2, whole: { of: () => null } });
    expect(none).toMatchObject({ applied: true, partStates: ['DELIVERED'], record: { state: 'SUBMITTED' } });
    expect(none.whole).toBeUndefined();
    expect((await ctx.store.get(open.id))?.state).toBe('SUBMITTED');
  });

  it('does not move a one-part message to a whole state that is no forward step; the part and its err are kept', async () => {
    const m = input({ state: 'ROUTED' });
    await ctx.store.createMessage(m);
    await ctx.store.recordSubmit(m.id, { part: 0, parts: 1, smsc: 's1', smscMsgId: `nf-${m.id}`, at: T0 + 1 });
    // A whole rule naming a state behind the message's (SUBMITTED → ROUTED is backwards).
    const back = await ctx.store.recordPartFinal(m.id, 0, 'UNDELIVERABLE', { at: T0 + 2, err: 5, whole: { of: () => 'ROUTED', err: 9 } });
    expect(back).toMatchObject({ applied: true, partStates: ['UNDELIVERABLE'], whole: { state: 'ROUTED', applied: false } });
    expect(back.record).toMatchObject({ state: 'SUBMITTED', err: 5, updatedAt: T0 + 2 });
    expect(await ctx.store.get(m.id)).toMatchObject({ state: 'SUBMITTED', err: 5, partStates: ['UNDELIVERABLE'], times: { ROUTED: T0 } });
    // Final already (the sender's FAILED, or a cancel's DELETED) wins over what the receipt says.
    const d = input({ state: 'ROUTED' });
    await ctx.store.createMessage(d);
    await ctx.store.recordSubmit(d.id, { part: 0, parts: 1, smsc: 's1', smscMsgId: `nf-${d.id}`, at: T0 + 1 });
    await ctx.store.transition(d.id, 'DELETED', { at: T0 + 2 });
    const late = await ctx.store.recordPartFinal(d.id, 0, 'DELIVERED', { at: T0 + 3, whole: { of: (ps) => ps[0] ?? null, err: 7 } });
    expect(late).toMatchObject({ applied: true, whole: { state: 'DELIVERED', applied: false }, record: { state: 'DELETED' } });
    expect(late.record?.err).toBeUndefined();
    expect(await ctx.store.get(d.id)).toMatchObject({ state: 'DELETED', partStates: ['DELIVERED'], times: { DELETED: T0 + 2 } });
    expect((await ctx.store.get(d.id))?.times.DELIVERED).toBeUndefined();
  });

  it('moves a multipart message with whichever receipt completes it, in any order, once', async () => {
    // The worst part wins, as the dlr-worker's aggregate rule.
    const worst = { of: (ps: (MessageState | null)[]) => (ps.some((p) => p === null) ? null : ps.includes('UNDELIVERABLE') ? 'UNDELIVERABLE' : 'DELIVERED'), err: 0x22 } as const;
    const m = input({ state: 'ROUTED' });
    await ctx.store.createMessage(m);
    for (const part of [2, 0, 1]) await ctx.store.recordSubmit(m.id, { part, parts: 3, smsc: 's1', smscMsgId: `mp-${m.id}-${part}`, at: T0 + 1 });
    const p2 = await ctx.store.recordPartFinal(m.id, 2, 'UNDELIVERABLE', { at: T0 + 10, whole: worst });
    expect(p2).toMatchObject({ applied: true, partStates: [null, null, 'UNDELIVERABLE'], record: { state: 'SUBMITTED', parts: 3 } });
    expect(p2.whole).toBeUndefined();
    // Part 0 first of all parts is no one-part message: it must not move the message.
    const p0 = await ctx.store.recordPartFinal(m.id, 0, 'DELIVERED', { at: T0 + 11, whole: worst });
    expect(p0).toMatchObject({ applied: true, partStates: ['DELIVERED', null, 'UNDELIVERABLE'], record: { state: 'SUBMITTED' } });
    expect(p0.whole).toBeUndefined();
    const p1 = await ctx.store.recordPartFinal(m.id, 1, 'DELIVERED', { at: T0 + 12, whole: worst });
    expect(p1).toMatchObject({ applied: true, partStates: ['DELIVERED', 'DELIVERED', 'UNDELIVERABLE'], whole: { state: 'UNDELIVERABLE', applied: true } });
    expect(p1.record).toMatchObject({ state: 'UNDELIVERABLE', err: 0x22, smscIds: [0, 1, 2].map((p) => `mp-${m.id}-${p}`), updatedAt: T0 + 12 });
    expect(p1.record?.times).toMatchObject({ SUBMITTED: T0 + 1, UNDELIVERABLE: T0 + 12 });
    expect(await ctx.store.get(m.id)).toMatchObject({ state: 'UNDELIVERABLE', err: 0x22, times: { UNDELIVERABLE: T0 + 12 } });
    // Part 0's receipt before its own submit was recorded (part 1's was): the record counts two
    // parts, so part 0 alone does not end the message.
    const early = input({ state: 'ROUTED' });
    await ctx.store.createMessage(early);
    await ctx.store.recordSubmit(early.id, { part: 1, parts: 2, smsc: 's1', smscMsgId: `mp-${early.id}-1`, at: T0 + 1 });
    const e0 = await ctx.store.recordPartFinal(early.id, 0, 'DELIVERED', { at: T0 + 2, whole: worst });
    expect(e0).toMatchObject({ applied: true, partStates: ['DELIVERED', null], record: { state: 'ROUTED' } });
    expect(e0.whole).toBeUndefined();
    // Every part's receipt at once: exactly one of them completes the message.
    const c = input({ state: 'ROUTED' });
    await ctx.store.createMessage(c);
    for (const part of [0, 1, 2, 3]) await ctx.store.recordSubmit(c.id, { part, parts: 4, smsc: 's1', smscMsgId: `mp-${c.id}-${part}`, at: T0 + 1 });
    const all = await Promise.all([3, 1, 0, 2].map((part) => ctx.store.recordPartFinal(c.id, part, 'DELIVERED', { at: T0 + 20 + part, whole: worst })));
    expect(all.filter((r) => r.whole)).toEqual([expect.objectContaining({ whole: { state: 'DELIVERED', applied: true } })]);
    expect(await ctx.store.get(c.id)).toMatchObject({ state: 'DELIVERED', partStates: ['DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED'], updatedAt: T0 + 23 });
  });
}
