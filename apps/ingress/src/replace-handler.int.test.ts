import { describe, expect, it } from 'vitest';
import { clientSchema } from '@smsgw/platform';
import { createClientBacklog, createDeferredQueue, deferredKey } from '@smsgw/redis';
import { expandJournalEntry, type InEntry } from '@smsgw/contracts';
import { STATUS, type Pdu } from '@smsgw/smpp';
import { useTestIngress } from './use-test-ingress';
import { replacementOf } from './replace-handler';

const clients = [
  clientSchema.parse({ systemId: 'acme', password: 'acmepw', maxBinds: 5, defaultCountryCode: '44' }),
  clientSchema.parse({ systemId: 'globex', password: 'globexpw' }),
];
const session = { window: 10, sessionInitMs: 2_000, enquireLinkMs: 0, inactivityMs: 0, responseTimeoutMs: 2_000, receiptWindow: 10 };
const dest = { source_addr: 'ACME', source_addr_ton: 5, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900123' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('replace_sm and replace_if_present_flag at the ingress (§4.10, §5.2.18; real Redis, SMPP over TCP)', () => {
  const start = useTestIngress('ingress-replace', clients, session);

  async function setup() {
    const { ns, ing, connect } = await start();
    const c = await connect();
    const submit = async (extra: Record<string, unknown> = {}) => (await c.submit({ ...dest, short_message: Buffer.from('first'), ...extra })).message_id!;
    const replace = async (message_id: string, fields: Partial<Pdu> = {}, client = c) =>
      (await client.session.request({
        command: 'replace_sm', message_id, source_addr_ton: 5, source_addr: 'ACME', schedule_delivery_time: '', validity_period: '',
        registered_delivery: 1, sm_default_msg_id: 0, short_message: Buffer.from('second'), ...fields,
      })).status;
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    const inEntries = async () => ((await ns.redis.xrange(ing.names.in, '-', '+')) as [string, string[]][]).map(([, f]) => JSON.parse(f[1]!) as InEntry);
    const journal = async () => ((await ns.redis.xrange(ing.names.journal, '-', '+')) as [string, string[]][]).map(([, f]) => expandJournalEntry(JSON.parse(f[1]!)));
    return { ns, ing, c, connect, submit, replace, backlog, inEntries, journal };
  }

  it('replaces a queued message: ESME_ROK, its replacement (version by version, fields merged) and a `replaced` journal record each time', async () => {
    const { submit, replace, backlog, journal } = await setup();
    const id = await submit();
    expect(await replace(id)).toBe(STATUS.ESME_ROK);
    expect(await replace(id, { short_message: Buffer.from('third'), registered_delivery: 0, schedule_delivery_time: '000000010000000R' })).toBe(STATUS.ESME_ROK);
    const r = (await backlog.replacementsOf('acme', [id])).get(id)!;
    expect(r.v).toBe(2);
    expect(r.set).toMatchObject({ sm: b64('third'), rd: 0 });
    expect(r.set.due! - Date.now()).toBeGreaterThan(3_500_000);
    expect((await journal()).map((j) => [j.ev, j.id, j.eid])).toEqual([
      ['replaced', id, `${id}:replaced:0:1`],
      ['replaced', id, `${id}:replaced:0:2`],
    ]);
  });

  it('refuses with the status each field calls for, and another client\'s, a finished and an unknown message alike', async () => {
    const { ing, connect, submit, replace } = await setup();
    const id = await submit();
    expect(await replace('')).toBe(STATUS.ESME_RINVMSGID);
    expect(await replace('6f0c3a52-9d1e-4c1b-8a55-0b7d2c9e4f11')).toBe(STATUS.ESME_RREPLACEFAIL);
    expect(await replace(id, {}, await connect('globex'))).toBe(STATUS.ESME_RREPLACEFAIL);
    expect(await replace(id, { schedule_delivery_time: '261399120000000+' })).toBe(STATUS.ESME_RINVSCHED);
    expect(await replace(id, { validity_period: '000000000000000R' })).toBe(STATUS.ESME_RINVEXPIRY);
    expect(await replace(id, { sm_default_msg_id: 3 })).toBe(STATUS.ESME_RINVDFTMSGID);
    expect(await replace(id, { registered_delivery: 3 })).toBe(STATUS.ESME_RINVREGDLVFLG);
    expect(await replace(id, {}, await connect('acme', 'receiver'))).toBe(STATUS.ESME_RINVBNDSTS);
    // With a record: its source must match, and a finished message cannot change.
    await ing.store.createMessage({ id, sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
    expect(await replace(id, { source_addr: 'OTHER' })).toBe(STATUS.ESME_RREPLACEFAIL);
    const done = await submit();
    await ing.store.createMessage({ id: done, sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'POLICY_REJECTED', at: Date.now() });
    expect(await replace(done)).toBe(STATUS.ESME_RREPLACEFAIL);
    // Handed to an SMSC, with no sender answering a forwarded replace_sm here.
    const sent = await submit();
    expect(await createClientBacklog(ing.redis, ing.names.in.replace(/:in$/, '')).handoff('acme', sent)).toBe('go');
    expect(await replace(sent)).toBe(STATUS.ESME_RREPLACEFAIL);
    // None of the refusals changed anything: the first message is still replaceable.
    expect(await replace(id)).toBe(STATUS.ESME_ROK);
  });

  it('wakes a held (SCHEDULED) message, so the policy decides on what it became now rather than at its old time', async () => {
    const { ns, ing, submit, replace } = await setup();
    const id = await submit({ schedule_delivery_time: '000001000000000R' }); // a day ahead
    const q = createDeferredQueue(ns.redis, ns.prefix, ing.names.in);
    const [entry] = ((await ns.redis.xrange(ing.names.in, '-', '+')) as [string, string[]][]).map(([, f]) => JSON.parse(f[1]!) as InEntry);
    await ing.store.createMessage({ id, sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'SCHEDULED', at: Date.now() });
    await q.defer(entry!, entry!.due!);
    expect(await replace(id, { schedule_delivery_time: '000000000001000R' })).toBe(STATUS.ESME_ROK);
    const [, score] = await ns.redis.zrange(deferredKey(ns.prefix), '0', '-1', 'WITHSCORES');
    expect(Number(score)).toBeLessThanOrEqual(Date.now());
    expect(await q.release(Date.now())).toBe(1);
  });

  it('replace_if_present_flag: the queued message with the same source, destination and service_type becomes the new submit, under its id', async () => {
    const { submit, backlog, inEntries } = await setup();
    const first = await submit({ service_type: 'OTP', schedule_delivery_time: '000000010000000R' });
    const again = await submit({ service_type: 'OTP', replace_if_present_flag: 1, short_message: Buffer.from('code 1234'), data_coding: 3 });
    expect(again).toBe(first);
    expect((await inEntries()).map((e) => e.id)).toEqual([first]);
    expect((await backlog.replacementsOf('acme', [first])).get(first)).toEqual({
      v: 1,
      set: expect.objectContaining({ sm: b64('code 1234'), dc: 3, due: 0, vp: '' }),
    });
    // Another service_type, or no flag: a message of its own.
    const other = await submit({ service_type: 'WAP', replace_if_present_flag: 1 });
    const plain = await submit({ service_type: 'OTP' });
    expect(new Set([first, other, plain]).size).toBe(3);
    expect((await inEntries()).map((e) => e.id)).toEqual([first, other, plain]);
    // The newest of several (as their expiries tell) is the one replaced.
    expect(await submit({ service_type: 'OTP', replace_if_present_flag: 1 })).toBe(plain);
  });

  it('turns replace_sm fields into a replacement: NULL schedule and validity keep the message\'s, a past schedule means now', () => {
    const at = Date.parse('2026-12-02T10:00:00Z');
    const day = 24 * 3_600_000;
    expect(replacementOf({ command: 'replace_sm', short_message: Buffer.from('x'), registered_delivery: 1 } as Pdu, at, day)).toEqual({ set: { sm: b64('x'), rd: 1 } });
    expect(replacementOf({ command: 'replace_sm', schedule_delivery_time: '261202090000000+' } as Pdu, at, day)).toEqual({ set: { sm: '', rd: 0, due: 0, exp: at + day } });
    expect(replacementOf({ command: 'replace_sm', schedule_delivery_time: '261202110000000+', validity_period: '261202120000000+' } as Pdu, at, day)).toEqual({
      set: { sm: '', rd: 0, due: at + 3_600_000, vp: '261202120000000+', exp: at + 2 * 3_600_000 },
    });
  });
});
