import { describe, expect, it } from 'vitest';
import type { InEntry } from '@smsgw/contracts';
import { STATUS, TLV, type MultiDestination, type Pdu } from '@smsgw/smpp';
import { createSubmitMultiHandler, destinationAsSubmit, type SubmitMultiDeps } from './submit-multi';

const AT = Date.UTC(2026, 11, 1, 12, 0, 0);
const sme = (destination_addr: string, dest_addr_ton = 1, dest_addr_npi = 1): MultiDestination => ({ dest_flag: 1, dest_addr_ton, dest_addr_npi, destination_addr });
/** A submit_multi (§4.5.1) as the codec decodes it. */
const multi = (dests: MultiDestination[], over: Partial<Pdu> = {}): Pdu =>
  ({
    command: 'submit_multi', commandId: 0x21, seq: 1, status: 0, service_type: '',
    source_addr_ton: 5, source_addr_npi: 0, source_addr: 'ACME', dest_addresses: dests,
    esm_class: 0, protocol_id: 0, priority_flag: 0, schedule_delivery_time: '', validity_period: '',
    registered_delivery: 1, replace_if_present_flag: 0, data_coding: 0, sm_default_msg_id: 0,
    short_message: Buffer.from('hello all'), tlvs: [], ...over,
  }) as Pdu;

function setup(over: Partial<SubmitMultiDeps> = {}) {
  const queued: InEntry[][] = [];
  const tokens: number[] = [];
  let n = 0;
  const handle = createSubmitMultiHandler({
    enqueueAll: async (es) => void queued.push(es),
    backlogFull: () => false,
    allow: (_sys, k) => (tokens.push(k), true),
    now: () => AT,
    newId: () => `id-${n++}`,
    ...over,
  });
  return { handle, queued, tokens };
}

describe('submit_multi (§4.5): one message per destination under one client message_id', () => {
  it('queues one entry per destination, each with its own id and the same cid; ROK with the cid and an empty unsuccess list', async () => {
    const { handle, queued, tokens } = setup();
    const out = await handle(multi([sme('447700900001'), sme('447700900002'), sme('+447700900003', 0, 1)]), 'acme');
    expect(out).toEqual({ status: STATUS.ESME_ROK, messageId: 'id-0', unsuccess: [], accepted: 3 });
    expect(queued).toHaveLength(1); // one enqueueAll: all or none
    const [entries] = queued;
    expect(entries!.map((e) => [e.id, e.cid, e.dst.norm])).toEqual([
      ['id-1', 'id-0', '447700900001'],
      ['id-2', 'id-0', '447700900002'],
      ['id-3', 'id-0', '447700900003'],
    ]);
    // Each entry is the submit_sm its destination stands for: shared fields, own address as sent.
    expect(entries![2]).toMatchObject({ sys: 'acme', rd: 1, dc: 0, at: AT, src: { ton: 5, addr: 'ACME' }, dst: { ton: 0, npi: 1, addr: '+447700900003' } });
    expect(Buffer.from(entries![0]!.sm, 'base64').toString()).toBe('hello all');
    expect(tokens).toEqual([3]); // one rate token per message
  });

  it('lists a bad destination in unsuccess_sme with the status validateSubmit gave, and sends the rest', async () => {
    const { handle, queued } = setup();
    const out = await handle(multi([sme('447700900001'), sme('44770abc'), sme(''), sme('447700900004')]), 'acme');
    expect(out).toMatchObject({ status: STATUS.ESME_ROK, messageId: 'id-0', accepted: 2 });
    expect(out.unsuccess).toEqual([
      { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '44770abc', error_status_code: STATUS.ESME_RINVDSTADR },
      { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '', error_status_code: STATUS.ESME_RINVDSTADR },
    ]);
    expect(queued[0]!.map((e) => e.dst.addr)).toEqual(['447700900001', '447700900004']);
  });

  it('refuses a distribution list with ESME_RINVDLNAME (no lists configured), named in unsuccess_sme', async () => {
    const { handle, queued } = setup();
    const out = await handle(multi([{ dest_flag: 2, dl_name: 'staff' }, sme('447700900001')]), 'acme');
    expect(out).toMatchObject({ status: STATUS.ESME_ROK, accepted: 1 });
    expect(out.unsuccess).toEqual([{ dest_addr_ton: 0, dest_addr_npi: 0, destination_addr: 'staff', error_status_code: STATUS.ESME_RINVDLNAME }]);
    expect(queued[0]).toHaveLength(1);
  });

  it('makes one message of the same number given twice, even written differently', async () => {
    const { handle, queued, tokens } = setup();
    const out = await handle(multi([sme('447700900001'), sme('+447700900001', 0, 1), sme('00447700900001', 0, 1), sme('447700900002')]), 'acme');
    expect(out).toMatchObject({ status: STATUS.ESME_ROK, unsuccess: [], accepted: 2 });
    expect(queued[0]!.map((e) => e.dst.norm)).toEqual(['447700900001', '447700900002']);
    expect(tokens).toEqual([2]);
  });

  it('refuses the whole submit_multi when a field of the message itself is wrong, queueing nothing', async () => {
    const cases: [Partial<Pdu>, number][] = [
      [{ esm_class: 0x04 }, STATUS.ESME_RINVESMCLASS],
      [{ validity_period: '991301000000000+' }, STATUS.ESME_RINVEXPIRY],
      [{ schedule_delivery_time: 'garbage' }, STATUS.ESME_RINVSCHED],
      [{ priority_flag: 9 }, STATUS.ESME_RINVPRTFLG],
      [{ source_addr: 'FAR TOO LONG SENDER' }, STATUS.ESME_RINVSRCADR],
      [{ data_coding: 0x08, short_message: Buffer.from([0, 0x41, 0]) }, STATUS.ESME_RINVMSGLEN],
    ];
    for (const [over, status] of cases) {
      const { handle, queued, tokens } = setup();
      // A bad destination first: the message-level status still wins over it.
      const out = await handle(multi([sme('44770abc'), sme('447700900001'), sme('447700900002')], over), 'acme');
      expect(out.status, JSON.stringify(over)).toBe(status);
      expect(out.messageId).toBeUndefined();
      expect(queued).toEqual([]);
      expect(tokens).toEqual([]);
    }
  });

  it('answers when no destination is left: the shared status, ESME_RINVDSTADR when they differ; the list goes along', async () => {
    const { handle, queued, tokens } = setup();
    const bad = await handle(multi([sme('44770abc'), sme('')]), 'acme');
    expect(bad).toMatchObject({ status: STATUS.ESME_RINVDSTADR });
    expect(bad).not.toHaveProperty('messageId');
    expect(bad.unsuccess).toHaveLength(2);
    const lists = await handle(multi([{ dest_flag: 2, dl_name: 'a' }, { dest_flag: 2, dl_name: 'b' }]), 'acme');
    expect(lists).toMatchObject({ status: STATUS.ESME_RINVDLNAME });
    const mixed = await handle(multi([{ dest_flag: 2, dl_name: 'a' }, sme('44770abc')]), 'acme');
    expect(mixed.status).toBe(STATUS.ESME_RINVDSTADR);
    expect(mixed.unsuccess!.map((u) => u.error_status_code)).toEqual([STATUS.ESME_RINVDLNAME, STATUS.ESME_RINVDSTADR]);
    expect(queued).toEqual([]);
    expect(tokens).toEqual([]);
  });

  it('takes one rate token per message: fewer granted → ESME_RTHROTTLED for all, nothing queued', async () => {
    let left = 2;
    const asked: number[] = [];
    const { handle, queued } = setup({
      // All or nothing, like the limiter's tryTake(n).
      allow: (_sys, k) => {
        asked.push(k);
        if (k > left) return false;
        left -= k;
        return true;
      },
    });
    const three = multi([sme('447700900001'), sme('447700900002'), sme('447700900003')]);
    expect(await handle(three, 'acme')).toEqual({ status: STATUS.ESME_RTHROTTLED, reason: 'client over its submit rate' });
    expect(queued).toEqual([]);
    expect(left).toBe(2); // the refused submit_multi took none
    expect(await handle(multi([sme('447700900001'), sme('447700900002')]), 'acme')).toMatchObject({ status: STATUS.ESME_ROK, accepted: 2 });
    expect(asked).toEqual([3, 2]);
  });

  it('refuses the whole submit_multi when a backlog is full (no token taken) or Redis fails', async () => {
    const dests = multi([sme('447700900001'), sme('447700900002')]);
    const full = setup({ backlogFull: () => true });
    expect(await full.handle(dests, 'acme')).toMatchObject({ status: STATUS.ESME_RMSGQFUL });
    expect(full.tokens).toEqual([]);
    const own = setup({ clientFull: (sys) => sys === 'acme' });
    expect(await own.handle(dests, 'acme')).toMatchObject({ status: STATUS.ESME_RMSGQFUL, reason: expect.stringContaining('maxBacklog') });
    const down = setup({ enqueueAll: () => Promise.reject(new Error('connection lost')) });
    expect(await down.handle(dests, 'acme')).toEqual({ status: STATUS.ESME_RMSGQFUL, reason: 'queue unavailable: connection lost' });
  });

  it('keeps the TLVs and fields of the submit_multi on each destination (SAR, payload)', () => {
    const payload = Buffer.from('long text in message_payload');
    const pdu = multi([sme('447700900001')], { short_message: Buffer.alloc(0), tlvs: [{ tag: TLV.message_payload, value: payload }] });
    const one = destinationAsSubmit(pdu, { dest_flag: 1, dest_addr_ton: 2, dest_addr_npi: 1, destination_addr: '07700900001' });
    expect(one).toMatchObject({ command: 'submit_sm', dest_addr_ton: 2, dest_addr_npi: 1, destination_addr: '07700900001', source_addr: 'ACME', registered_delivery: 1 });
    expect(one.tlvs).toEqual(pdu.tlvs);
    expect(one.dest_addresses).toBeUndefined();
  });
});
