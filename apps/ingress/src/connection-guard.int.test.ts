import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { clientSchema, ingressConnectionsSchema } from '@smsgw/platform';
import { connectTestClient, redisNamespace } from '@smsgw/testing';
import { decodePdu, encodePdu, STATUS, TLV, type Pdu } from '@smsgw/smpp';
import { encodeGsm7 } from '@smsgw/sms-text';
import { startTestIngress } from './test-ingress';

const clients = [clientSchema.parse({ systemId: 'acme', password: 'acmepw', maxBinds: 5 })];
// A long session_init time: a socket closed by these tests was closed by a cap, not by the timer.
const session = { window: 10, sessionInitMs: 30_000, enquireLinkMs: 0, inactivityMs: 0, responseTimeoutMs: 2_000, receiptWindow: 10 };
const sms = { source_addr: 'ACME', source_addr_ton: 5, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900123' };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startIngress(connections: Record<string, number>) {
  const ns = await redisNamespace('ingress-caps');
  const ing = await startTestIngress({
    redisUrl: ns.url, prefix: ns.prefix, clients, session,
    commandTimeoutMs: 5_000, // generous: the machine may be loaded
    connections: ingressConnectionsSchema.parse(connections),
  });
  cleanups.push(ns.cleanup, ing.close);
  return ing;
}

/** A TCP connection from a given loopback address that only watches for data and close. */
function idle(port: number, localAddress = '127.0.0.1') {
  const sock: Socket = connect({ port, host: '127.0.0.1', localAddress });
  const state = { sock, closed: false, bytes: 0 };
  sock.on('data', (d) => (state.bytes += d.length));
  sock.on('error', () => {});
  sock.on('close', () => (state.closed = true));
  cleanups.push(() => void sock.destroy());
  return new Promise<typeof state>((resolve, reject) => {
    sock.once('connect', () => resolve(state));
    sock.once('error', reject);
  });
}

const until = async (what: string, ok: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('ingress connection caps (ingress.connections)', () => {
  it('closes the N+1th connection of one address at accept, and any over `max`, without a session', async () => {
    const ing = await startIngress({ max: 5, perAddress: 3 });
    const same = await Promise.all([1, 2, 3].map(() => idle(ing.port, '127.0.0.2')));
    const fourth = await idle(ing.port, '127.0.0.2');
    await until('the 4th connection from 127.0.0.2 to close', () => fourth.closed, 2_000);
    expect(fourth.bytes).toBe(0); // destroyed, not answered: no SMPP session was made
    expect(await ing.dropped('over_per_address')).toBe(1);

    // Another address is still welcome, up to `max` in all.
    const other = await idle(ing.port, '127.0.0.3');
    const fifth = await idle(ing.port, '127.0.0.4');
    const sixth = await idle(ing.port, '127.0.0.5');
    await until('the 6th connection to close', () => sixth.closed, 2_000);
    expect(await ing.dropped('over_max')).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect([...same, other, fifth].map((s) => s.closed)).toEqual([false, false, false, false, false]);

    // A place freed is a place taken again.
    same[0]!.sock.destroy();
    await until('the server to see the close', () => ing.server.sessionCount === 4);
    const c = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', enquireLinkMs: 0 });
    expect((await c.submit({ ...sms, short_message: encodeGsm7('hi')! })).status).toBe(STATUS.ESME_ROK);
    await c.close();
  });

  it('a flood of 2,000 idle connections closes the oldest unbound ones: bound and new clients still submit', async () => {
    const ing = await startIngress({ max: 2_000, perAddress: 50, maxUnbound: 200 });
    const early = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', enquireLinkMs: 0 });
    const flood: Array<Awaited<ReturnType<typeof idle>>> = [];
    // 40 connections from each of 50 loopback addresses (perAddress 50), opened 100 at a time.
    for (let i = 0; i < 2_000; i += 100) {
      flood.push(...(await Promise.all(Array.from({ length: 100 }, (_, j) => idle(ing.port, `127.0.1.${10 + ((i + j) % 50)}`)))));
    }
    await until('1,800 idle connections to be closed', () => flood.filter((s) => s.closed).length >= 1_800, 20_000);
    // The oldest went first; the newest ones are still open (at most maxUnbound of them).
    expect(flood.slice(0, 1_700).every((s) => s.closed)).toBe(true);
    expect(flood.filter((s) => !s.closed).length).toBeLessThanOrEqual(200);
    expect(flood.slice(-50).every((s) => !s.closed)).toBe(true);

    // The client bound before the flood was not touched; one that comes now binds and submits.
    expect((await early.submit({ ...sms, short_message: encodeGsm7('before')! })).status).toBe(STATUS.ESME_ROK);
    const late = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', enquireLinkMs: 0 });
    expect((await late.submit({ ...sms, short_message: encodeGsm7('after')! })).status).toBe(STATUS.ESME_ROK);
    await Promise.all([early.close(), late.close()]);
    for (const s of flood) s.sock.destroy();
  }, 60_000);

  it('a PDU above maxPduBeforeBind before bind gets generic_nack ESME_RINVCMDLEN and the session closes; after bind the normal limit applies', async () => {
    const ing = await startIngress({ maxPduBeforeBind: 512 });
    const peer = await idle(ing.port);
    const got: Pdu[] = [];
    peer.sock.on('data', (d) => got.push(decodePdu(d.subarray(0, d.readUInt32BE(0)))));
    const big = encodePdu({ command: 'submit_sm', seq: 7, ...sms, short_message: Buffer.alloc(0), tlvs: [{ tag: TLV.message_payload, value: Buffer.alloc(10_240, 0x41) }] });
    peer.sock.write(big);
    await until('the session to close', () => peer.closed, 5_000);
    expect(got.map((p) => [p.command, p.status, p.seq])).toEqual([['generic_nack', STATUS.ESME_RINVCMDLEN, 7]]);

    const c = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', enquireLinkMs: 0 });
    const text = encodeGsm7('x'.repeat(1_000))!;
    const resp = await c.submit({ ...sms, short_message: Buffer.alloc(0), tlvs: [{ tag: TLV.message_payload, value: text }] });
    expect([resp.command, resp.status]).toEqual(['submit_sm_resp', STATUS.ESME_ROK]);
    await c.close();
  });
});
