import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { OutEntry } from '@smsgw/contracts';
import { smscSchema } from '@smsgw/platform';
import { createSmscOpsClient, SmscOpTimeoutError, type SmscOp } from '@smsgw/redis';
import { createSmppServer, listen, STATUS } from '@smsgw/smpp';
import { encodeGsm7, encodeUcs2 } from '@smsgw/sms-text';
import { redisNamespace, startSmscSim, type SmscSimOptions } from '@smsgw/testing';
import { prepareParts } from './prepare-parts';
import { createSmscLink, type SmscLink } from './smsc-link';
import { createSmscOpsWorker } from './smsc-ops-worker';
import { buildSubmitPdu } from './submit-pdu';

const logger = pino({ level: 'silent' });

/** A client's message as the policy-worker routes it: UCS-2 text, national destination written internationally. */
const outEntry = (text: string): OutEntry => ({
  v: 1, id: 'm1', sys: 'acme',
  src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' },
  dst: { ton: 1, npi: 1, addr: '447700900123', norm: '447700900123' },
  dc: 8, esm: 0, rd: 1, pid: 0, pri: 0, sm: encodeUcs2(text).toString('base64'), at: Date.now(), exp: Date.now() + 3_600_000,
  pool: 'sim', smscs: ['sim'], rt: Date.now(),
});

describe('sender: cancel_sm and replace_sm of submitted messages, asked through Redis (SMSC simulator over TCP)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A sender (link + worker) on an SMSC at `port` that wants national numbers and re-encodes UCS-2; and a requester. */
  async function setup(port: number, timeoutMs = 3_000) {
    const ns = await redisNamespace('smsc-ops-worker');
    cleanups.push(ns.cleanup);
    const smsc = smscSchema.parse({
      id: 'sim', host: '127.0.0.1', port, systemId: 'gw', password: 'gw', sessions: 1, window: 10,
      enquireLinkMs: 0, responseTimeoutMs: 5_000, reconnectMinMs: 50, reconnectMaxMs: 200,
      addressFormat: 'national', countryCode: '44', text: { reencodeUcs2: true },
    });
    const link = createSmscLink({ smsc, logger, onDeliver: async () => 0 });
    link.start();
    cleanups.push(() => link.stop());
    const worker = createSmscOpsWorker({ redis: ns.redis, prefix: ns.prefix, links: new Map([['sim', link]]), text: new Map([['sim', smsc.text]]), logger, blockMs: 100 });
    worker.start();
    cleanups.push(() => worker.close());
    const client = createSmscOpsClient({ redis: ns.redis, prefix: ns.prefix, timeoutMs });
    cleanups.push(() => client.close());
    return { link, client, smsc };
  }

  const startSim = async (opts: SmscSimOptions = {}) => {
    const sim = await startSmscSim({ receipts: false, ...opts });
    cleanups.push(() => sim.close());
    return sim;
  };

  /** Submits `m` as the message sender does; the SMSC's ids as it wrote them, and the data_coding it got. */
  async function submit(link: SmscLink, m: OutEntry, text: ReturnType<typeof smscSchema.parse>['text']) {
    expect(await link.waitBound(5_000)).toBe(true);
    const prepared = prepareParts(m, 7, text);
    const ids: string[] = [];
    for (let part = 0; part < prepared.parts.length; part++) {
      const resp = await link.pick()!.request(buildSubmitPdu({ command: 'submit_sm', m, prepared, part, until: Infinity, addressing: link.addressing }));
      ids.push(resp.message_id!);
    }
    return { ids, sdc: prepared.dataCoding, segments: prepared.segments };
  }

  const cancelOp = (smscIds: string[]): SmscOp => ({ op: 'cancel', smsc: 'sim', msgId: 'm1', src: 'ACME', dst: '447700900123', smscIds, serviceType: '' });

  it('cancels every part with its SMSC id, naming the addresses as the SMSC got them', async () => {
    const sim = await startSim();
    const { link, client, smsc } = await setup(sim.port);
    const { ids } = await submit(link, outEntry('A text that needs two parts. '.repeat(6)), smsc.text);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toMatch(/^0+[1-9a-f]/); // zero-padded: not the normalised form the store keys by
    expect(await client.request(cancelOp(ids))).toEqual({ status: STATUS.ESME_ROK });
    expect(sim.cancels.map((c) => c.messageId)).toEqual(expect.arrayContaining(ids));
    for (const c of sim.cancels) {
      expect(c).toMatchObject({ status: 0, serviceType: '', source: { ton: 5, npi: 0, addr: 'ACME' }, destination: { ton: 2, npi: 1, addr: '07700900123' } });
    }
    // What the submits carried.
    expect(sim.submits[0]).toMatchObject({ source: 'ACME', destination: '07700900123', ton: { source: 5, destination: 2 }, npi: { source: 0, destination: 1 } });
    // Cancelled already: the SMSC refuses, and its status comes back.
    expect(await client.request(cancelOp(ids))).toEqual({ status: STATUS.ESME_RCANCELFAIL, reason: 'cancel_sm_resp status 0x11 from the SMSC' });
  });

  it('answers ROK only when every part\'s cancel is, else the first failing part\'s status', async () => {
    const sim = await startSim();
    const { link, client, smsc } = await setup(sim.port);
    const { ids } = await submit(link, outEntry('One part'), smsc.text);
    expect(await client.request(cancelOp(['ffffff00', ids[0]!]))).toEqual({ status: STATUS.ESME_RCANCELFAIL, reason: 'cancel_sm_resp status 0x11 from the SMSC' });
    // The part the SMSC knew was cancelled all the same.
    expect(sim.cancels.find((c) => c.messageId === ids[0])?.status).toBe(0);
    const refusing = await startSim({ cancelStatus: STATUS.ESME_RSYSERR });
    const other = await setup(refusing.port);
    const { ids: otherIds } = await submit(other.link, outEntry('One part'), other.smsc.text);
    expect(await other.client.request(cancelOp(otherIds))).toEqual({ status: STATUS.ESME_RSYSERR, reason: 'cancel_sm_resp status 0x8 from the SMSC' });
  });

  it('replaces a one-part message: the client\'s new UCS-2 text goes in the GSM 7-bit the SMSC got; more parts are refused', async () => {
    const sim = await startSim();
    const { link, client, smsc } = await setup(sim.port);
    const one = await submit(link, outEntry('Old text'), smsc.text);
    expect(one.sdc).toBe(0); // the client's UCS-2 went as GSM 7-bit
    const replace = (smscIds: string[], text: string, segments = smscIds.length): SmscOp => ({
      op: 'replace', smsc: 'sim', msgId: 'm1', src: 'ACME', dst: '447700900123', smscIds, segments,
      sm: encodeUcs2(text).toString('base64'), dc: 8, sdc: 0, schedule: '', validity: '000002000000000R',
    });
    expect(await client.request(replace(one.ids, 'New text {ok}'))).toEqual({ status: STATUS.ESME_ROK });
    expect(sim.replaces).toEqual([expect.objectContaining({
      messageId: one.ids[0], dataCoding: 0, shortMessage: encodeGsm7('New text {ok}'), text: 'New text {ok}',
      source: { ton: 5, npi: 0, addr: 'ACME' }, validity: '000002000000000R', schedule: '', registeredDelivery: 1, smDefaultMsgId: 0, status: 0,
    })]);
    // Text GSM 7-bit cannot carry, two parts, payload mode: refused here, nothing sent.
    expect(await client.request(replace(one.ids, 'Новый'))).toEqual({ status: STATUS.ESME_RREPLACEFAIL, reason: 'the new text cannot be written in data_coding 0x00, which the SMSC keeps' });
    const two = await submit(link, outEntry('A text that needs two parts. '.repeat(6)), smsc.text);
    expect(await client.request(replace(two.ids, 'Short'))).toEqual({ status: STATUS.ESME_RREPLACEFAIL, reason: 'sent in 2 parts: replace_sm replaces one message' });
    expect(await client.request(replace(one.ids, 'Short', 3))).toMatchObject({ status: STATUS.ESME_RREPLACEFAIL, reason: expect.stringContaining('3 segments') });
    expect(sim.replaces).toHaveLength(1);
  });

  it('link down: no sender takes the request and the requester fails after its timeout; once bound, the next one is served', async () => {
    const probe = await startSmscSim({ port: 0 });
    const port = probe.port;
    await probe.close();
    const { link, client, smsc } = await setup(port, 800);
    await expect(client.request(cancelOp(['00000001']))).rejects.toThrow(SmscOpTimeoutError);
    const sim = await startSim({ port });
    const { ids } = await submit(link, outEntry('Back'), smsc.text);
    expect(await client.request(cancelOp(ids))).toEqual({ status: STATUS.ESME_ROK });
    // The request that timed out was dropped, never carried out.
    expect(sim.cancels.map((c) => c.messageId)).toEqual(ids);
  });

  it('an SMSC that does not answer in time: the sender answers the failure by the deadline', async () => {
    // Binds, accepts submits, never answers cancel_sm.
    const server = createSmppServer((s) =>
      s.on('pdu', (p) => {
        if (p.command.startsWith('bind_')) s.respond(p, { system_id: 'MUTE' });
        else if (p.command === 'submit_sm') s.respond(p, { message_id: '0A' });
      }),
    );
    const port = await listen(server, 0);
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const { link, client, smsc } = await setup(port, 1_000);
    const { ids } = await submit(link, outEntry('Mute'), smsc.text);
    expect(await client.request(cancelOp(ids))).toEqual({ status: STATUS.ESME_RCANCELFAIL, reason: 'no cancel_sm_resp from sim before the deadline' });
  });
});
