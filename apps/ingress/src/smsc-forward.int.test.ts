import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { smscSchema } from '@smsgw/platform';
import { STATUS } from '@smsgw/smpp';
import { encodeGsm7, encodeUcs2 } from '@smsgw/sms-text';
import { createRedisStateStore, type MessageRecord } from '@smsgw/store';
import { redisNamespace, startSmscSim } from '@smsgw/testing';
// The sender's side of the round trip, as it runs in apps/sender (test only: apps never import each other).
import { createSmscLink } from '../../sender/src/smsc-link';
import { createSmscOpsWorker } from '../../sender/src/smsc-ops-worker';
import { createSmscForwarder } from '@smsgw/redis';

const logger = pino({ level: 'silent' });

describe('ingress: cancel_sm / replace_sm of a SUBMITTED message forwarded to its SMSC through a sender', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(withSender = true) {
    const ns = await redisNamespace('smsc-forward');
    cleanups.push(ns.cleanup);
    const sim = await startSmscSim({ receipts: false });
    cleanups.push(() => sim.close());
    const smsc = smscSchema.parse({ id: 'sim', host: '127.0.0.1', port: sim.port, systemId: 'gw', password: 'gw', sessions: 1, enquireLinkMs: 0, reconnectMinMs: 50 });
    const link = createSmscLink({ smsc, logger, onDeliver: async () => 0 });
    link.start();
    cleanups.push(() => link.stop());
    if (withSender) {
      const worker = createSmscOpsWorker({ redis: ns.redis, prefix: ns.prefix, links: new Map([['sim', link]]), logger, blockMs: 100 });
      worker.start();
      cleanups.push(() => worker.close());
    }
    const forwarder = createSmscForwarder({ redis: ns.redis, prefix: ns.prefix, timeoutMs: withSender ? 3_000 : 500, logger });
    cleanups.push(() => forwarder.close());
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    /** A message the SMSC accepted, recorded as the sender records it: a client's UCS-2 text it got as GSM 7-bit. */
    const submitted = async (id: string, dc?: number): Promise<MessageRecord> => {
      expect(await link.waitBound(5_000)).toBe(true);
      const resp = await link.pick()!.request({
        command: 'submit_sm', source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900123',
        registered_delivery: 1, data_coding: 0, short_message: encodeGsm7('Old text')!,
      });
      await store.createMessage({ id, sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now(), dc });
      // The store keys by the normalised id; the SMSC's own form is kept for cancel and replace.
      const smscMsgId = resp.message_id!.replace(/^0+/, '');
      await store.recordSubmit(id, { part: 0, parts: 1, smsc: 'sim', smscMsgId, rawSmscMsgId: resp.message_id!, at: Date.now(), sdc: 0 });
      return (await store.get(id))!;
    };
    return { sim, forwarder, submitted };
  }

  it('cancel: the SMSC gets cancel_sm with its own id, and its answer is the client\'s', async () => {
    const { sim, forwarder, submitted } = await setup();
    const rec = await submitted('m1', 8);
    expect(rec.state).toBe('SUBMITTED');
    expect(await forwarder.cancel(rec, 'CMT')).toEqual({ status: STATUS.ESME_ROK });
    expect(sim.cancels).toEqual([expect.objectContaining({ messageId: rec.rawSmscIds![0], serviceType: 'CMT', status: 0, destination: { ton: 1, npi: 1, addr: '447700900123' } })]);
    expect(await forwarder.cancel(rec, '')).toEqual({ status: STATUS.ESME_RCANCELFAIL, reason: 'cancel_sm_resp status 0x11 from the SMSC' });
  });

  it('replace: the new text, from the client\'s UCS-2 into the SMSC\'s GSM 7-bit', async () => {
    const { sim, forwarder, submitted } = await setup();
    const rec = await submitted('m2', 8);
    expect(await forwarder.replace(rec, { sm: encodeUcs2('New text'), schedule: '', validity: '' })).toEqual({ status: STATUS.ESME_ROK });
    expect(sim.replaces).toEqual([expect.objectContaining({ messageId: rec.rawSmscIds![0], text: 'New text', shortMessage: encodeGsm7('New text'), status: 0 })]);
    // A record from before the data_codings were kept: refused here, nothing sent.
    const old = await submitted('m3');
    expect(await forwarder.replace(old, { sm: encodeUcs2('x'), schedule: '', validity: '' })).toEqual({
      status: STATUS.ESME_RREPLACEFAIL, reason: 'the record does not say which data_coding the client and the SMSC used',
    });
    expect(sim.replaces).toHaveLength(1);
  });

  it('fails with the reason when no sender answers, or the SMSC has not acknowledged every part', async () => {
    const { sim, forwarder, submitted } = await setup(false);
    const rec = await submitted('m4', 0);
    expect(await forwarder.cancel(rec, '')).toEqual({ status: STATUS.ESME_RCANCELFAIL, reason: 'no sender with a bound session to sim answered within 500 ms' });
    expect(await forwarder.replace(rec, { sm: Buffer.from('x'), schedule: '', validity: '' })).toMatchObject({ status: STATUS.ESME_RREPLACEFAIL });
    const partial: MessageRecord = { ...rec, parts: 2, smscIds: [rec.smscIds[0]!, null] };
    expect(await forwarder.cancel(partial, '')).toEqual({ status: STATUS.ESME_RCANCELFAIL, reason: 'the SMSC has not acknowledged every part' });
    expect(sim.cancels).toEqual([]);
  });
});
