import { afterEach, describe, expect, it } from 'vitest';
import { inEntrySchema, streamNames, type InEntry } from '@smsgw/contracts';
import { createClientBacklog, createRedis, xaddEntry } from '@smsgw/redis';
import { ESM_CLASS, STATUS, TLV, uint16Tlv, type MultiDestination, type Pdu, type Tlv } from '@smsgw/smpp';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { createSubmitHandler } from './submit-handler';
import { createSubmitMultiHandler } from './submit-multi';
import { createIdempotentSubmit, createIdempotentSubmitMulti, idempotencyKey, submitFingerprint, submitMultiFingerprint, type IdempotencyOptions } from './idempotency';

const submitSm = (text: string, tlvs: Tlv[] = [], over: Partial<Pdu> = {}): Pdu =>
  ({
    command: 'submit_sm', seq: 1, status: 0,
    source_addr_ton: 5, source_addr_npi: 0, source_addr: 'ACME',
    dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900123',
    esm_class: 0, data_coding: 0, short_message: Buffer.from(text), tlvs,
    ...over,
  }) as unknown as Pdu;
/** §5.3.2.17 user_message_reference: the client's own 2-octet reference. */
const ref = (n: number) => uint16Tlv(TLV.user_message_reference, n);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('idempotent resubmission (clients[].idempotency) on real Redis', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /**
   * The submit path as main.ts builds it, with the idempotency wrapper; `refuse(n)` makes the
   * n-th call of the inner handler (1-based) answer ESME_RMSGQFUL; `slowMs` holds each XADD so
   * concurrent duplicates really wait on the first.
   */
  async function setup(o: { options?: IdempotencyOptions | undefined; refuse?: (n: number) => boolean; slowMs?: number } = {}) {
    const ns: RedisNamespace = await redisNamespace('ingress-idem');
    cleanups.push(ns.cleanup);
    const names = streamNames(ns.prefix);
    let calls = 0;
    const inner = createSubmitHandler({
      enqueue: async (e) => {
        if (o.slowMs) await sleep(o.slowMs);
        return xaddEntry(ns.redis, names.in, e);
      },
      backlogFull: () => !!o.refuse?.(calls),
    });
    const counted = (pdu: Pdu, sys: string) => {
      calls++;
      return inner(pdu, sys);
    };
    const options = 'options' in o ? o.options : { key: 'user_message_reference' as const, windowMs: 60_000 };
    const submit = createIdempotentSubmit(counted, { redis: ns.redis, prefix: ns.prefix, options: (sys) => (sys === 'acme' ? options : undefined) });
    const inEntries = async (): Promise<InEntry[]> =>
      ((await ns.redis.xrange(names.in, '-', '+')) as [string, string[]][]).map(([, f]) => inEntrySchema.parse(JSON.parse(f[1]!)));
    return { ns, submit, inEntries, calls: () => calls };
  }

  it('the same user_message_reference twice: the first message id back, one `in` entry', async () => {
    const { submit, inEntries } = await setup();
    const a = await submit(submitSm('hello', [ref(7)]), 'acme');
    const b = await submit(submitSm('hello', [ref(7)]), 'acme');
    expect(a).toMatchObject({ status: STATUS.ESME_ROK, messageId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(b).toEqual({ status: STATUS.ESME_ROK, messageId: a.messageId });
    expect((await inEntries()).map((e) => e.id)).toEqual([a.messageId]);
  });

  it('20 identical submits at the same time: one message, the same id for all', async () => {
    const { submit, inEntries, calls } = await setup({ slowMs: 30 });
    const outs = await Promise.all(Array.from({ length: 20 }, () => submit(submitSm('race', [ref(42)]), 'acme')));
    const ids = new Set(outs.map((o) => o.messageId));
    expect(outs.every((o) => o.status === STATUS.ESME_ROK)).toBe(true);
    expect(ids.size).toBe(1);
    expect(calls()).toBe(1);
    expect((await inEntries()).map((e) => e.id)).toEqual([...ids]);
  });

  it('different references, or the same reference to another number, are different messages', async () => {
    const { submit, inEntries } = await setup();
    const a = await submit(submitSm('hello', [ref(1)]), 'acme');
    const b = await submit(submitSm('hello', [ref(2)]), 'acme');
    const c = await submit(submitSm('hello', [ref(1)], { destination_addr: '447700900999' }), 'acme');
    expect(new Set([a.messageId, b.messageId, c.messageId]).size).toBe(3);
    expect(await inEntries()).toHaveLength(3);
  });

  it('parts of one concatenated message sharing a reference are not taken for retries of each other', async () => {
    const { submit, inEntries } = await setup();
    const part = (seq: number) => Buffer.concat([Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, seq]), Buffer.from('same text')]);
    const p1 = await submit(submitSm('', [ref(9)], { esm_class: ESM_CLASS.UDHI, short_message: part(1) }), 'acme');
    const p2 = await submit(submitSm('', [ref(9)], { esm_class: ESM_CLASS.UDHI, short_message: part(2) }), 'acme');
    expect(p1.messageId).not.toBe(p2.messageId);
    expect(await inEntries()).toHaveLength(2);
  });

  it('after the window the same submit is a new message', async () => {
    const options = { key: 'user_message_reference' as const, windowMs: 100 };
    const { ns, submit, inEntries } = await setup({ options });
    const pdu = submitSm('again', [ref(5)]);
    const a = await submit(pdu, 'acme');
    const key = idempotencyKey(ns.prefix, 'acme', submitFingerprint(pdu, 'user_message_reference')!);
    expect(await ns.redis.get(key)).toBe(a.messageId);
    while ((await ns.redis.exists(key)) === 1) await sleep(20);
    const b = await submit(pdu, 'acme');
    expect(b.status).toBe(STATUS.ESME_ROK);
    expect(b.messageId).not.toBe(a.messageId);
    expect(await inEntries()).toHaveLength(2);
  });

  it('a refused first submit frees the key: the retry is accepted', async () => {
    const { ns, submit, inEntries } = await setup({ refuse: (n) => n === 1 });
    const pdu = submitSm('retry me', [ref(11)]);
    expect(await submit(pdu, 'acme')).toMatchObject({ status: STATUS.ESME_RMSGQFUL });
    expect(await ns.redis.exists(idempotencyKey(ns.prefix, 'acme', submitFingerprint(pdu, 'user_message_reference')!))).toBe(0);
    const retry = await submit(pdu, 'acme');
    expect(retry.status).toBe(STATUS.ESME_ROK);
    expect((await inEntries()).map((e) => e.id)).toEqual([retry.messageId]);
  });

  it('when the first of concurrent duplicates is refused, one of the others goes and the rest get its id', async () => {
    const { submit, inEntries, calls } = await setup({ refuse: (n) => n === 1, slowMs: 30 });
    // Whichever wins the key makes the first inner call and is refused (before any XADD); one of
    // the others then wins it and queues the message.
    const outs = await Promise.all(Array.from({ length: 6 }, () => submit(submitSm('x', [ref(3)]), 'acme')));
    const accepted = outs.filter((o) => o.status === STATUS.ESME_ROK);
    const ids = new Set(accepted.map((o) => o.messageId));
    expect(outs.filter((o) => o.status === STATUS.ESME_RMSGQFUL)).toHaveLength(1);
    expect(accepted).toHaveLength(5);
    expect(ids.size).toBe(1);
    expect(calls()).toBe(2);
    expect((await inEntries()).map((e) => e.id)).toEqual([...ids]);
  });

  it('key source+destination+text: the same message twice is one; another text is another', async () => {
    const { submit, inEntries } = await setup({ options: { key: 'source+destination+text', windowMs: 60_000 } });
    const a = await submit(submitSm('same'), 'acme');
    const b = await submit(submitSm('same'), 'acme');
    const c = await submit(submitSm('other'), 'acme');
    expect(b.messageId).toBe(a.messageId);
    expect(c.messageId).not.toBe(a.messageId);
    expect(await inEntries()).toHaveLength(2);
  });

  it('is off without the TLV (key user_message_reference) and for clients that did not opt in', async () => {
    const { submit, inEntries } = await setup();
    await submit(submitSm('no ref'), 'acme');
    await submit(submitSm('no ref'), 'acme');
    await submit(submitSm('other client', [ref(1)]), 'beta');
    await submit(submitSm('other client', [ref(1)]), 'beta');
    expect(await inEntries()).toHaveLength(4);
  });

  it('Redis away: ESME_RMSGQFUL, as the submit path answers', async () => {
    // Nothing listens on port 1: every command fails after its timeout.
    const down = createRedis('redis://127.0.0.1:1', { commandTimeoutMs: 200 });
    cleanups.push(async () => down.disconnect());
    let called = false;
    const submit = createIdempotentSubmit(
      async () => ((called = true), { status: STATUS.ESME_ROK, messageId: 'never' }),
      { redis: down, prefix: 'unused', options: () => ({ key: 'user_message_reference', windowMs: 60_000 }) },
    );
    expect(await submit(submitSm('x', [ref(1)]), 'acme')).toMatchObject({ status: STATUS.ESME_RMSGQFUL, reason: expect.stringContaining('queue unavailable') });
    expect(called).toBe(false);
  });
});

/** A submit_multi (§4.5.1) from ACME to `dests` (international numbers). */
const submitMulti = (dests: string[], tlvs: Tlv[] = [], text = 'to all'): Pdu =>
  ({
    command: 'submit_multi', seq: 1, status: 0,
    source_addr_ton: 5, source_addr_npi: 0, source_addr: 'ACME',
    dest_addresses: dests.map((d): MultiDestination => ({ dest_flag: 1, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: d })),
    esm_class: 0, data_coding: 0, short_message: Buffer.from(text), tlvs,
  }) as unknown as Pdu;
const GOOD = ['447700900001', '447700900002', '447700900003'];
const BAD = '44770abc';
const REFUSED = [{ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: BAD, error_status_code: STATUS.ESME_RINVDSTADR }];

describe('idempotent submit_multi (clients[].idempotency) on real Redis', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** The submit_multi path as main.ts builds it; `slowMs` holds each transaction so concurrent duplicates wait on the first. */
  async function setup(o: { options?: IdempotencyOptions; slowMs?: number } = {}) {
    const ns: RedisNamespace = await redisNamespace('ingress-idem-multi');
    cleanups.push(ns.cleanup);
    const names = streamNames(ns.prefix);
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    let calls = 0;
    const inner = createSubmitMultiHandler({
      enqueueAll: async (es) => {
        if (o.slowMs) await sleep(o.slowMs);
        return backlog.enqueueAll(names.in, es);
      },
      backlogFull: () => false,
    });
    const options = o.options ?? { key: 'user_message_reference' as const, windowMs: 60_000 };
    const counted = (pdu: Pdu, sys: string) => {
      calls++;
      return inner(pdu, sys);
    };
    const submit = createIdempotentSubmitMulti(counted, { redis: ns.redis, prefix: ns.prefix, options: (sys) => (sys === 'acme' ? options : undefined) });
    const inEntries = async (): Promise<InEntry[]> =>
      ((await ns.redis.xrange(names.in, '-', '+')) as [string, string[]][]).map(([, f]) => inEntrySchema.parse(JSON.parse(f[1]!)));
    return { submit, inEntries, calls: () => calls };
  }

  it('a retry gets the first message_id and unsuccess list back; one set of messages in `in`', async () => {
    const { submit, inEntries } = await setup();
    const pdu = submitMulti([GOOD[0]!, BAD, GOOD[1]!, GOOD[2]!], [ref(7)]);
    const a = await submit(pdu, 'acme');
    const b = await submit(pdu, 'acme');
    expect(a).toMatchObject({ status: STATUS.ESME_ROK, unsuccess: REFUSED, accepted: 3 });
    // Nothing queued for the retry: nothing counted as accepted.
    expect(b).toEqual({ status: STATUS.ESME_ROK, messageId: a.messageId, unsuccess: REFUSED });
    const entries = await inEntries();
    expect(entries.map((e) => e.dst.norm)).toEqual(GOOD);
    expect(entries.every((e) => e.cid === a.messageId)).toBe(true);
  });

  it('10 identical submit_multi at the same time: one set of messages, the same answer for all', async () => {
    const { submit, inEntries, calls } = await setup({ slowMs: 30 });
    const outs = await Promise.all(Array.from({ length: 10 }, () => submit(submitMulti([...GOOD, BAD], [ref(42)]), 'acme')));
    const cids = new Set(outs.map((o) => o.messageId));
    expect(cids.size).toBe(1);
    for (const o of outs) expect(o).toMatchObject({ status: STATUS.ESME_ROK, unsuccess: REFUSED });
    expect(calls()).toBe(1);
    const entries = await inEntries();
    expect(entries.map((e) => e.dst.norm)).toEqual(GOOD);
    expect(new Set(entries.map((e) => e.cid))).toEqual(cids);
  });

  it('key source+destination+text: the same set of destinations in another order is a retry; another set or text is not', async () => {
    const { submit, inEntries } = await setup({ options: { key: 'source+destination+text', windowMs: 60_000 } });
    const a = await submit(submitMulti(GOOD), 'acme');
    const b = await submit(submitMulti([GOOD[2]!, GOOD[0]!, GOOD[1]!, GOOD[0]!]), 'acme');
    const c = await submit(submitMulti(GOOD.slice(0, 2)), 'acme');
    const d = await submit(submitMulti(GOOD, [], 'other text'), 'acme');
    expect(b.messageId).toBe(a.messageId);
    expect(new Set([a.messageId, c.messageId, d.messageId]).size).toBe(3);
    expect(await inEntries()).toHaveLength(3 + 2 + 3);
  });

  it('a submit_sm and a submit_multi to the one number with the same reference are not retries of each other', () => {
    const sm = submitSm('to all', [ref(5)], { destination_addr: GOOD[0]! });
    for (const kind of ['user_message_reference', 'source+destination+text'] as const) {
      expect(submitMultiFingerprint(submitMulti([GOOD[0]!], [ref(5)]), kind)).not.toBe(submitFingerprint(sm, kind));
    }
    // Without the TLV there is no key: never deduplicated.
    expect(submitMultiFingerprint(submitMulti(GOOD), 'user_message_reference')).toBeUndefined();
  });
});
