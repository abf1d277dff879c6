import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { clientSchema } from '@smsgw/platform';
import { createClientBacklog, xaddEntry } from '@smsgw/redis';
import type { ClientReceipt } from '@smsgw/contracts';
import { STATUS } from '@smsgw/smpp';
import { parseReceiptText } from '@smsgw/sms-text';
import { useTestIngress } from './use-test-ingress';

// The npm `smpp` package (0.5.x) as an independent client of every command the ingress offers
// and each state query_sm can report; Net::SMPP is the other one (interop-netsmpp.int.test.ts).
const clients = [clientSchema.parse({ systemId: 'acme', password: 'acmepw', maxBinds: 5 })];
const session = { window: 10, sessionInitMs: 2_000, enquireLinkMs: 0, inactivityMs: 0, responseTimeoutMs: 2_000, receiptWindow: 10 };
const dest = { source_addr_ton: 5, source_addr_npi: 0, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900123' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Resp = { command: string; command_status: number; message_id?: string; message_state?: number; final_date?: string | Date; error_code?: number; unsuccess_sme?: unknown[] };
type NpmSession = Record<string, (params: object, cb: (pdu: Resp) => void) => void> & {
  on(ev: string, cb: (pdu: Resp & { short_message?: { message: string } | string; receipted_message_id?: string; esm_class?: number; response(): unknown }) => void): void;
  send(pdu: unknown): void;
  destroy(): void;
};

describe('ingress with the npm `smpp` client (real Redis, SMPP over TCP)', () => {
  const start = useTestIngress('ingress-npm-smpp', clients, session);

  async function setup() {
    const { ns, ing } = await start();
    const s = createRequire(import.meta.url)('smpp').connect({ url: `smpp://127.0.0.1:${ing.port}` }) as NpmSession;
    const call = (cmd: string, params: object = {}) => new Promise<Resp>((r) => s[cmd]!(params, r));
    expect((await call('bind_transceiver', { system_id: 'acme', password: 'acmepw' })).command_status).toBe(STATUS.ESME_ROK);
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    const submit = async (extra: object = {}) => {
      const r = await call('submit_sm', { ...dest, registered_delivery: 1, short_message: 'hello', ...extra });
      expect(r.command_status).toBe(STATUS.ESME_ROK);
      return r.message_id!;
    };
    const query = (message_id: string) => call('query_sm', { message_id, source_addr_ton: 5, source_addr: 'ACME' });
    const cancel = async (message_id: string, extra: object = {}) => (await call('cancel_sm', { service_type: '', message_id, ...dest, ...extra })).command_status;
    const replace = async (message_id: string, extra: object = {}) =>
      (await call('replace_sm', { message_id, source_addr_ton: 5, source_addr: 'ACME', registered_delivery: 1, short_message: 'replaced', ...extra })).command_status;
    return { ns, ing, s, call, closed, submit, query, cancel, replace, backlog: createClientBacklog(ns.redis, ns.prefix) };
  }

  it('submit_sm and data_sm: the UUID in the response; enquire_link; unbind', async () => {
    const { s, call, closed, submit } = await setup();
    expect(await submit()).toMatch(UUID);
    const data = await call('data_sm', { ...dest, registered_delivery: 1, message_payload: 'via data_sm' });
    expect(data).toMatchObject({ command: 'data_sm_resp', command_status: STATUS.ESME_ROK });
    expect(data.message_id).toMatch(UUID);
    expect((await call('enquire_link')).command_status).toBe(STATUS.ESME_ROK);
    expect((await call('unbind')).command_status).toBe(STATUS.ESME_ROK);
    await closed;
    s.destroy();
  });

  it('query_sm in each state: ENROUTE right after the ESME_ROK, DELIVERED with its date, DELETED once cancelled, ESME_RQUERYFAIL unknown', async () => {
    const { ing, s, submit, query, cancel } = await setup();
    const id = await submit();
    expect(await query(id)).toMatchObject({ command_status: 0, message_id: id, message_state: 1, final_date: '' });
    const t0 = Date.UTC(2026, 11, 2, 9, 0, 0);
    await ing.store.createMessage({ id, sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: t0 });
    await ing.store.transition(id, 'DELIVERED', { at: t0 + 1_000 });
    // The package reads final_date (§7.1.1) into a Date.
    const delivered = await query(id);
    expect(delivered).toMatchObject({ command_status: 0, message_state: 2 });
    expect(new Date(delivered.final_date!).getTime()).toBe(t0 + 1_000);
    const other = await submit();
    expect(await cancel(other)).toBe(STATUS.ESME_ROK);
    expect(await query(other)).toMatchObject({ command_status: 0, message_state: 4 });
    expect((await query('6f0c3a52-9d1e-4c1b-8a55-0b7d2c9e4f11')).command_status).toBe(STATUS.ESME_RQUERYFAIL);
    s.destroy();
  });

  it('cancel_sm: one message, a second time refused, and the mass cancel by source and destination', async () => {
    const { s, submit, query, cancel } = await setup();
    const one = await submit();
    expect(await cancel(one)).toBe(STATUS.ESME_ROK);
    expect(await cancel(one)).toBe(STATUS.ESME_RCANCELFAIL);
    const [a, b] = [await submit({ service_type: 'OTP' }), await submit()];
    expect(await cancel('')).toBe(STATUS.ESME_ROK);
    expect((await query(a)).message_state).toBe(4);
    expect((await query(b)).message_state).toBe(4);
    expect(await cancel('')).toBe(STATUS.ESME_RCANCELFAIL);
    s.destroy();
  });

  it('replace_sm of a queued message, its refusals, and replace_if_present_flag', async () => {
    const { s, submit, replace, backlog } = await setup();
    const id = await submit({ service_type: 'OTP' });
    expect(await replace(id)).toBe(STATUS.ESME_ROK);
    expect((await backlog.replacementsOf('acme', [id])).get(id)).toEqual({ v: 1, set: { sm: Buffer.from('replaced').toString('base64'), rd: 1 } });
    expect(await replace('6f0c3a52-9d1e-4c1b-8a55-0b7d2c9e4f11')).toBe(STATUS.ESME_RREPLACEFAIL);
    expect(await replace(id, { schedule_delivery_time: '261399120000000+' })).toBe(STATUS.ESME_RINVSCHED);
    expect(await replace(id, { sm_default_msg_id: 2 })).toBe(STATUS.ESME_RINVDFTMSGID);
    expect(await submit({ service_type: 'OTP', replace_if_present_flag: 1, short_message: 'newest' })).toBe(id);
    expect((await backlog.replacementsOf('acme', [id])).get(id)?.v).toBe(2);
    s.destroy();
  });

  it('submit_multi\'s message_id: query_sm ENROUTE, cancel_sm every destination, then DELETED', async () => {
    const { s, call, query, cancel } = await setup();
    const multi = await call('submit_multi', {
      source_addr_ton: 5, source_addr: 'ACME', registered_delivery: 1, short_message: 'to both',
      dest_address: ['447700900201', '447700900202'].map((d) => ({ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: d })),
    });
    expect(multi.command_status).toBe(STATUS.ESME_ROK);
    expect(await query(multi.message_id!)).toMatchObject({ command_status: 0, message_state: 1 });
    expect(await cancel(multi.message_id!, { destination_addr: '' })).toBe(STATUS.ESME_ROK);
    expect(await query(multi.message_id!)).toMatchObject({ command_status: 0, message_state: 4 });
    s.destroy();
  });

  it('gets a receipt as deliver_sm (esm_class 0x04, receipted_message_id = UUID) and acknowledges it', async () => {
    const { ns, ing, s, submit } = await setup();
    const id = await submit();
    const got = new Promise<Parameters<Parameters<NpmSession['on']>[1]>[0]>((resolve) =>
      s.on('deliver_sm', (pdu) => {
        s.send(pdu.response());
        resolve(pdu);
      }),
    );
    const receipt: ClientReceipt = {
      v: 1, id, src: { ton: 5, npi: 0, addr: 'ACME' }, dst: { ton: 1, npi: 1, addr: '447700900123' },
      state: 'DELIVERED', stat: 'DELIVRD', err: '000', sub: 1, dlvrd: 1, sd: Date.now() - 1_000, dd: Date.now(), at: Date.now(),
    };
    await xaddEntry(ns.redis, ing.names.dlr('acme'), receipt);
    const d = await got;
    expect(d.esm_class).toBe(0x04);
    expect(d.receipted_message_id).toBe(id);
    const text = typeof d.short_message === 'string' ? d.short_message : d.short_message!.message;
    expect(parseReceiptText(text)).toMatchObject({ id, stat: 'DELIVRD' });
    const pending = async () => ((await ns.redis.xpending(ing.names.dlr('acme'), 'ingress')) as [number])[0];
    await expect.poll(pending, { timeout: 3_000 }).toBe(0);
    s.destroy();
  });
});
