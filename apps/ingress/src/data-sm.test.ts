import { describe, expect, it } from 'vitest';
import type { InEntry } from '@smsgw/contracts';
import { STATUS, TLV, uint32Tlv, type Pdu } from '@smsgw/smpp';
import { parseSmppTime } from '@smsgw/domain';
import { createDataSmHandler, dataSmAsSubmit, ttlAsRelativeTime } from './data-sm';
import { createSubmitHandler, type SubmitHandlerDeps } from './submit-handler';

const dataSm = (tlvs: Pdu['tlvs'] = []): Pdu => ({
  command: 'data_sm', commandId: 0x103, status: 0, seq: 9,
  source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900123',
  esm_class: 0, registered_delivery: 1, data_coding: 0,
  tlvs: [{ tag: TLV.message_payload, value: Buffer.from('hi') }, ...tlvs],
});

describe('data_sm as a submit_sm', () => {
  it('writes qos_time_to_live (§5.3.2.9) as a relative validity (§7.1.1) of the same length', () => {
    expect(ttlAsRelativeTime(0)).toBe('000000000000000R');
    expect(ttlAsRelativeTime(90_061)).toBe('000001010101000R'); // 1 d 1 h 1 min 1 s
    const now = Date.UTC(2026, 0, 31, 12, 0, 0);
    for (const s of [59, 3_600, 86_400 * 31 + 7]) {
      const t = parseSmppTime(ttlAsRelativeTime(s), now);
      expect(t).toEqual({ ok: true, at: now + s * 1_000 });
    }
    // More than the fields say exactly is capped (31 days 23:59:59), never wrapped.
    expect(ttlAsRelativeTime(2 ** 32 - 1)).toBe('000031235959000R');
    expect(parseSmppTime(ttlAsRelativeTime(2 ** 32 - 1), now).ok).toBe(true);
  });

  it('keeps the TLVs, leaves short_message empty and schedules nothing', () => {
    const out = dataSmAsSubmit(dataSm([uint32Tlv(TLV.qos_time_to_live, 60)]));
    if (!('pdu' in out)) throw new Error(`refused: ${out.reason}`);
    expect(out.pdu).toMatchObject({ command: 'submit_sm', short_message: Buffer.alloc(0), schedule_delivery_time: '', validity_period: '000000000100000R', registered_delivery: 1 });
    expect(out.pdu.tlvs).toHaveLength(2);
  });

  it('gets the statuses of the submit_sm path: queue full, throttled, and ROK with the UUID', async () => {
    const queued: InEntry[] = [];
    const deps: SubmitHandlerDeps = { enqueue: async (e) => void queued.push(e), backlogFull: () => false, newId: () => 'uuid-1' };
    expect(await createDataSmHandler(createSubmitHandler({ ...deps, backlogFull: () => true }))(dataSm(), 'acme')).toMatchObject({ status: STATUS.ESME_RMSGQFUL });
    expect(await createDataSmHandler(createSubmitHandler({ ...deps, allow: () => false }))(dataSm(), 'acme')).toMatchObject({ status: STATUS.ESME_RTHROTTLED });
    expect(queued).toHaveLength(0);
    expect(await createDataSmHandler(createSubmitHandler(deps))(dataSm(), 'acme')).toEqual({ status: STATUS.ESME_ROK, messageId: 'uuid-1' });
    expect(queued).toHaveLength(1);
    expect(Buffer.from(queued[0]!.sm, 'base64').toString()).toBe('hi');
  });
});
