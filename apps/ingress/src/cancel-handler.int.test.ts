import { describe, expect, it } from 'vitest';
import { clientSchema } from '@smsgw/platform';
import { clientBacklogKey, clientCancelledKey, createClientBacklog } from '@smsgw/redis';
import { dlrInFailureSchema } from '@smsgw/contracts';
import { STATUS, type Pdu } from '@smsgw/smpp';
import { useTestIngress } from './use-test-ingress';
import { addressOfNorm } from '@smsgw/domain';

// acme writes national numbers (defaultCountryCode): a cancel_sm naming the destination
// nationally matches the message's E.164 record.
const clients = [
  clientSchema.parse({ systemId: 'acme', password: 'acmepw', maxBinds: 5, defaultCountryCode: '44' }),
  clientSchema.parse({ systemId: 'globex', password: 'globexpw' }),
];
const session = { window: 10, sessionInitMs: 2_000, enquireLinkMs: 0, inactivityMs: 0, responseTimeoutMs: 2_000, receiptWindow: 10 };
const dest = { source_addr: 'ACME', source_addr_ton: 5, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900123' };

describe('cancel_sm at the ingress (§4.9; real Redis, SMPP over TCP)', () => {
  const start = useTestIngress('ingress-cancel', clients, session);

  async function setup() {
    const { ns, ing, connect } = await start();
    const c = await connect();
    const submit = async (extra: Record<string, unknown> = {}) => (await c.submit({ ...dest, short_message: Buffer.from('x'), ...extra })).message_id!;
    const cancel = async (message_id: string, fields: Partial<Pdu> = {}, client = c) =>
      (await client.session.request({ command: 'cancel_sm', service_type: '', message_id, ...dest, ...fields })).status;
    const query = (message_id: string) => c.session.request({ command: 'query_sm', message_id, source_addr_ton: 5, source_addr: 'ACME' });
    const failures = async () =>
      ((await ns.redis.xrange(ing.names.dlrIn, '-', '+')) as [string, string[]][]).map(([, f]) => dlrInFailureSchema.parse(JSON.parse(f[1]!)));
    return { ns, ing, c, connect, submit, cancel, query, failures };
  }

  it('cancels an accepted message still in `in`: ESME_ROK, query_sm DELETED; a second cancel fails', async () => {
    const { ns, ing, submit, cancel, query, failures } = await setup();
    const id = await submit();
    expect(await cancel(id)).toBe(STATUS.ESME_ROK);
    expect(await ns.redis.zscore(clientBacklogKey(ns.prefix, 'acme'), id)).toBeNull();
    expect(await ns.redis.zscore(clientCancelledKey(ns.prefix, 'acme'), id)).not.toBeNull();
    expect(await query(id)).toMatchObject({ status: 0, message_id: id, message_state: 4 });
    expect(await cancel(id)).toBe(STATUS.ESME_RCANCELFAIL);
    // No record yet: the policy-worker ends it when it reads the entry, not the ingress.
    expect(await failures()).toEqual([]);
    expect(await ing.store.get(id)).toBeNull();
  });

  it('refuses another client\'s message, an unknown id and a message handed to an SMSC (no sender to forward to) with ESME_RCANCELFAIL', async () => {
    const { ns, connect, submit, cancel } = await setup();
    const id = await submit();
    const globex = await connect('globex');
    expect(await cancel(id, {}, globex)).toBe(STATUS.ESME_RCANCELFAIL);
    expect(await cancel('6f0c3a52-9d1e-4c1b-8a55-0b7d2c9e4f11')).toBe(STATUS.ESME_RCANCELFAIL);
    // The sender took it for its SMSC; no sender answers the forwarded cancel_sm here.
    const sent = await submit();
    expect(await createClientBacklog(ns.redis, ns.prefix).handoff('acme', sent)).toBe('go');
    expect(await cancel(sent)).toBe(STATUS.ESME_RCANCELFAIL);
    // The refused cancels changed nothing: acme can still cancel its own first message.
    expect(await cancel(id)).toBe(STATUS.ESME_ROK);
  });

  it('mass cancel (§4.9.1, no message_id): every queued message from the source to the destination, of the service_type when given', async () => {
    const { ns, submit, cancel, query } = await setup();
    const a = await submit();
    const b = await submit({ service_type: 'OTP' });
    const other = await submit({ destination_addr: '447700900999' });
    const sent = await submit();
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    // Handed to an SMSC: no longer the gateway's to cancel (the hand-off takes it out of the index too).
    const { at } = (await backlog.pending('acme', 'ACME', '447700900123')).find((p) => p.id === sent)!;
    const pending = backlog.pendingPlace({ id: sent, sys: 'acme', at, src: { norm: 'ACME' }, dst: { norm: '447700900123' } });
    expect(await backlog.handoff('acme', sent, { pending })).toBe('go');
    expect((await backlog.pending('acme', 'ACME', '447700900123')).map((p) => p.id).sort()).toEqual([a, b].sort());
    // Of service_type OTP only: b.
    expect(await cancel('', { service_type: 'OTP' })).toBe(STATUS.ESME_ROK);
    expect((await query(b)).message_state).toBe(4);
    expect((await query(a)).message_state).toBe(1);
    // Of any service_type: a (b is gone already, `sent` was handed off).
    expect(await cancel('')).toBe(STATUS.ESME_ROK);
    expect((await query(a)).message_state).toBe(4);
    expect((await query(other)).message_state).toBe(1);
    // Nothing left from ACME to that number; a cancel without a destination names nothing.
    expect(await cancel('')).toBe(STATUS.ESME_RCANCELFAIL);
    expect(await cancel('', { destination_addr: '' })).toBe(STATUS.ESME_RCANCELFAIL);
  });

  it('checks the addresses against the record, normalised: a mismatching destination fails, a national one matches', async () => {
    const { ing, submit, cancel } = await setup();
    const id = await submit({ registered_delivery: 2 });
    await ing.store.createMessage({ id, sys: 'acme', src: 'ACME', dst: '447700900123', rd: 2, state: 'ROUTED', pool: 'p', at: Date.now() });
    expect(await cancel(id, { destination_addr: '447700900999' })).toBe(STATUS.ESME_RCANCELFAIL);
    expect(await cancel(id, { source_addr: 'OTHER' })).toBe(STATUS.ESME_RCANCELFAIL);
    expect(await cancel(id, { dest_addr_ton: 2, destination_addr: '07700 900123' })).toBe(STATUS.ESME_ROK);
  });

  it('ends a message with a record (held or waiting for its SMSC) at once: DELETED, its failure in dlr-in, counted once', async () => {
    const { ing, submit, cancel, query, failures } = await setup();
    const held = await submit({ registered_delivery: 1, source_addr: '', source_addr_ton: 0 });
    await ing.store.createMessage({ id: held, sys: 'acme', src: '', dst: '447700900123', rd: 1, state: 'SCHEDULED', at: Date.now() });
    // Addresses left out of the cancel_sm: the failure carries the record's (normalised) ones.
    expect(await cancel(held, { source_addr: '', destination_addr: '' })).toBe(STATUS.ESME_ROK);
    expect((await ing.store.get(held))?.state).toBe('DELETED');
    expect(await query(held)).toMatchObject({ status: 0, message_state: 4 });
    expect(await failures()).toEqual([
      expect.objectContaining({ id: held, sys: 'acme', state: 'DELETED', err: 0, reason: 'cancelled by the client (cancel_sm)', dst: { ton: 1, npi: 1, addr: '447700900123' } }),
    ]);
    const day = new Date().toISOString().slice(0, 10);
    expect((await ing.store.getStats(day, 'acme', '-')).DELETED).toBe(1);
    // Final now: a later cancel fails.
    expect(await cancel(held)).toBe(STATUS.ESME_RCANCELFAIL);
  });

  it('is a transmit command: refused on a receiver bind with ESME_RINVBNDSTS (§2.3)', async () => {
    const { connect, submit, cancel } = await setup();
    const id = await submit();
    const rx = await connect('acme', 'receiver');
    expect(await cancel(id, {}, rx)).toBe(STATUS.ESME_RINVBNDSTS);
    expect(await cancel(id)).toBe(STATUS.ESME_ROK);
  });

  it('rebuilds receipt addresses from normalised numbers: E.164 international, short code unknown, text alphanumeric', () => {
    expect(addressOfNorm('447700900123')).toEqual({ ton: 1, npi: 1, addr: '447700900123' });
    expect(addressOfNorm('12345')).toEqual({ ton: 0, npi: 1, addr: '12345' });
    expect(addressOfNorm('ACME')).toEqual({ ton: 5, npi: 0, addr: 'ACME' });
  });
});
