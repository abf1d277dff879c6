import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { clientSchema, hashPassword, ingressConnectionsSchema, type AppMetrics } from '@smsgw/platform';
import { xaddEntry } from '@smsgw/redis';
import { inEntrySchema, type ClientReceipt } from '@smsgw/contracts';
import { connectTestClient, createTestPki, redisNamespace } from '@smsgw/testing';
import { decodePdu, encodePdu, getTlv, STATUS, TLV, type Pdu } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { startTestIngress, type TestIngressOptions } from './test-ingress';

// Through the schema: options this test does not name take their defaults. globex's hash is
// cheap (ln=10), and the first hash's cost is also the decoy's and the plaintext passwords'.
const clients = [
  clientSchema.parse({ systemId: 'acme', password: 'acmepw', maxBinds: 5 }),
  clientSchema.parse({ systemId: 'globex', passwordHash: await hashPassword('globexpw', { ln: 10, r: 8, p: 1 }) }),
  clientSchema.parse({ systemId: 'fenced', password: 'fencedpw', allowedIps: ['127.0.0.2/32', '::ffff:127.0.0.3'] }),
  clientSchema.parse({ systemId: 'certified', password: 'certpw', certSubject: 'acme-gw' }),
];
const session = { window: 10, sessionInitMs: 2_000, enquireLinkMs: 0, inactivityMs: 0, responseTimeoutMs: 2_000, receiptWindow: 10 };

const startIngress = (redisUrl: string, prefix: string, opts: Partial<TestIngressOptions> = {}) =>
  startTestIngress({ redisUrl, prefix, clients, session, ...opts });

async function waitFor(cond: () => boolean, ms = 3_000) {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

/** A raw TCP peer: write bytes, read whole PDUs back. */
async function rawPeer(port: number, localAddress = '127.0.0.1') {
  const sock: Socket = connect({ port, host: '127.0.0.1', localAddress });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  let buf = Buffer.alloc(0);
  const pdus: Pdu[] = [];
  let closed = false;
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4 && buf.length >= buf.readUInt32BE(0)) {
      const len = buf.readUInt32BE(0);
      pdus.push(decodePdu(buf.subarray(0, len)));
      buf = buf.subarray(len);
    }
  });
  sock.on('close', () => (closed = true));
  const next = async (n: number) => {
    const end = Date.now() + 3_000;
    while (pdus.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    return pdus[n - 1];
  };
  return { sock, pdus, next, get closed() { return closed; } };
}

const submit = (seq: number, text = 'hi'): Buffer =>
  encodePdu({ command: 'submit_sm', seq, source_addr: 'ACME', source_addr_ton: 5, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900123', short_message: encodeGsm7(text)! });
const bind = (seq: number, password = 'acmepw', system_id = 'acme'): Buffer =>
  encodePdu({ command: 'bind_transceiver', seq, system_id, password, system_type: '', interface_version: 0x34 });

describe('ingress SMPP server', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  async function setup() {
    const ns = await redisNamespace('ingress');
    const ing = await startIngress(ns.url, ns.prefix);
    cleanups.push(ns.cleanup, ing.close);
    return { ns, ing };
  }

  it('acks a submit only with a UUID after the entry is in the in stream', async () => {
    const { ns, ing } = await setup();
    const c = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transceiver' });
    cleanups.push(() => c.close());
    const resp = await c.submit({ source_addr: 'ACME', source_addr_ton: 5, dest_addr_ton: 1, destination_addr: '+44 7700 900123', short_message: encodeGsm7('hello')!, registered_delivery: 1 });
    expect(resp.status).toBe(STATUS.ESME_ROK);
    const entries = (await ns.redis.xrange(ing.names.in, '-', '+')) as [string, string[]][];
    expect(entries).toHaveLength(1);
    const entry = inEntrySchema.parse(JSON.parse(entries[0][1][1]));
    expect(entry.id).toBe(resp.message_id);
    expect(entry.dst).toEqual({ ton: 1, npi: 0, addr: '+44 7700 900123', norm: '447700900123' });
    expect(entry.src.norm).toBe('ACME');
    expect(Buffer.from(entry.sm, 'base64').toString('latin1')).toBe('hello');
  });

  it('answers a bad password and an unknown user with the same ESME_RBINDFAIL, then closes the session', async () => {
    const { ing } = await setup();
    for (const [system_id, password] of [['acme', 'wrong'], ['ghost', 'acmepw'], ['globex', 'acmepw']]) {
      const p = await rawPeer(ing.port);
      cleanups.push(async () => void p.sock.destroy());
      p.sock.write(bind(1, password, system_id));
      // A second bind sent at once is not a second guess on this connection.
      p.sock.write(bind(2, password, system_id));
      expect(await p.next(1)).toMatchObject({ status: STATUS.ESME_RALYBND, seq: 2 });
      expect(await p.next(2)).toMatchObject({ status: STATUS.ESME_RBINDFAIL, seq: 1 });
      await waitFor(() => p.closed);
    }
    const p = await rawPeer(ing.port);
    cleanups.push(async () => void p.sock.destroy());
    p.sock.write(bind(3));
    expect(await p.next(1)).toMatchObject({ command: 'bind_transceiver_resp', status: 0, seq: 3 });
    p.sock.write(bind(4));
    expect(await p.next(2)).toMatchObject({ status: STATUS.ESME_RALYBND, seq: 4 });
  });

  it('refuses submit_sm before bind with ESME_RINVBNDSTS', async () => {
    const { ing } = await setup();
    const p = await rawPeer(ing.port);
    cleanups.push(async () => void p.sock.destroy());
    p.sock.write(submit(7));
    expect(await p.next(1)).toMatchObject({ command: 'submit_sm_resp', status: STATUS.ESME_RINVBNDSTS, seq: 7 });
  });

  it('answers an unknown command with generic_nack and keeps the session', async () => {
    const { ing } = await setup();
    const p = await rawPeer(ing.port);
    cleanups.push(async () => void p.sock.destroy());
    p.sock.write(bind(1));
    await p.next(1);
    const unknown = Buffer.alloc(16);
    unknown.writeUInt32BE(16, 0);
    unknown.writeUInt32BE(0x000000ff, 4); // no such command_id
    unknown.writeUInt32BE(0, 8);
    unknown.writeUInt32BE(42, 12);
    p.sock.write(unknown);
    expect(await p.next(2)).toMatchObject({ command: 'generic_nack', status: STATUS.ESME_RINVCMDID, seq: 42 });
    p.sock.write(submit(43));
    expect(await p.next(3)).toMatchObject({ command: 'submit_sm_resp', status: 0, seq: 43 });
  });

  it('answers a malformed submit_sm with its own error and handles the next good PDU', async () => {
    const { ing } = await setup();
    const p = await rawPeer(ing.port);
    cleanups.push(async () => void p.sock.destroy());
    p.sock.write(bind(1));
    await p.next(1);
    const good = submit(50);
    // Same PDU with sm_length claiming more octets than the body holds.
    const bad = Buffer.from(submit(49));
    const smLengthAt = bad.length - 1 - 'hi'.length;
    bad[smLengthAt] = 200;
    p.sock.write(Buffer.concat([bad, good]));
    const first = await p.next(2);
    expect(first).toMatchObject({ command: 'submit_sm_resp', seq: 49 });
    expect(first.status).not.toBe(0);
    expect(await p.next(3)).toMatchObject({ command: 'submit_sm_resp', status: 0, seq: 50 });
    expect(p.closed).toBe(false);
  });

  it('never acks when Redis is unreachable: ESME_RMSGQFUL', async () => {
    // The lockout state is on a Redis that answers, so the bind goes through.
    const ns = await redisNamespace('ingress');
    const ing = await startIngress('redis://127.0.0.1:1', 't:ingress-dead', { lockoutRedisUrl: ns.url });
    cleanups.push(ns.cleanup, ing.close);
    const c = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transmitter' });
    cleanups.push(() => c.close());
    const resp = await c.submit({ source_addr: 'ACME', dest_addr_ton: 1, destination_addr: '447700900123', short_message: Buffer.from('x') });
    expect(resp.status).toBe(STATUS.ESME_RMSGQFUL);
  });

  it('refuses bad addresses and bad validity with their statuses', async () => {
    const { ing } = await setup();
    const c = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transmitter' });
    cleanups.push(() => c.close());
    const base = { source_addr: 'ACME', source_addr_ton: 5, dest_addr_ton: 1, destination_addr: '447700900123', short_message: Buffer.from('x') };
    expect((await c.submit({ ...base, destination_addr: '' })).status).toBe(STATUS.ESME_RINVDSTADR);
    expect((await c.submit({ ...base, validity_period: '261126120000000X' })).status).toBe(STATUS.ESME_RINVEXPIRY);
    expect((await c.submit({ ...base, data_coding: 8, short_message: Buffer.from([0, 65, 0]) })).status).toBe(STATUS.ESME_RINVMSGLEN);
    const huge = Buffer.alloc(255 * 134 + 1, 0x41);
    expect((await c.submit({ ...base, short_message: Buffer.alloc(0), tlvs: [{ tag: TLV.message_payload, value: huge }] })).status).toBe(STATUS.ESME_RINVMSGLEN);
  });

  it('keeps receipts of an unbound client until it binds, then delivers each once and acks it', async () => {
    const { ns, ing } = await setup();
    const receipt = (id: string): ClientReceipt => ({
      v: 1, id, src: { ton: 5, npi: 0, addr: 'ACME' }, dst: { ton: 1, npi: 1, addr: '447700900123' },
      state: 'DELIVERED', stat: 'DELIVRD', err: '000', sub: 1, dlvrd: 1, sd: Date.now() - 1000, dd: Date.now(), at: Date.now(),
    });
    for (const id of ['r-1', 'r-2', 'r-3']) await xaddEntry(ns.redis, ing.names.dlr('acme'), receipt(id));
    // A transmitter bind gets no receipts.
    const tx = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transmitter' });
    cleanups.push(() => tx.close());
    await new Promise((r) => setTimeout(r, 300));
    expect(tx.receipts).toHaveLength(0);
    const rx = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'receiver' });
    cleanups.push(() => rx.close());
    await rx.waitForReceipts(3, 5_000);
    const got = rx.receipts.map((p) => ({ text: parseReceiptText(p.short_message!.toString('latin1')), p }));
    expect(got.map((g) => g.text.id)).toEqual(['r-1', 'r-2', 'r-3']);
    for (const { text, p } of got) {
      expect(text.stat).toBe('DELIVRD');
      expect(p).toMatchObject({ esm_class: 0x04, source_addr: '447700900123', destination_addr: 'ACME' });
      expect(getTlv(p, TLV.receipted_message_id)?.toString('latin1')).toBe(`${text.id}\0`);
      expect(getTlv(p, TLV.message_state)?.[0]).toBe(2);
    }
    const pending = async () => ((await ns.redis.xpending(ing.names.dlr('acme'), 'ingress')) as [number])[0];
    for (let i = 0; i < 50 && (await pending()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await pending()).toBe(0);
    expect(rx.receipts).toHaveLength(3); // each once
  });

  it('answers query_sm from the state store, for the client\'s own messages only', async () => {
    const { ing } = await setup();
    const c = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transceiver' });
    cleanups.push(() => c.close());
    const resp = await c.submit({ source_addr: 'ACME', source_addr_ton: 5, dest_addr_ton: 1, destination_addr: '447700900123', short_message: Buffer.from('q') });
    const id = resp.message_id!;
    const query = (message_id: string) => c.session.request({ command: 'query_sm', message_id, source_addr_ton: 5, source_addr: 'ACME' });
    // Not yet through the policy-worker (no record yet), but acknowledged: ENROUTE, never a failure.
    expect(await query(id)).toMatchObject({ command: 'query_sm_resp', status: 0, message_id: id, final_date: '', message_state: 1, error_code: 0 });
    // An id this client was never given is not in its backlog either.
    expect((await query('6f0c3a52-9d1e-4c1b-8a55-0b7d2c9e4f11')).status).toBe(STATUS.ESME_RQUERYFAIL);
    const t0 = Date.UTC(2026, 10, 26, 13, 14, 15);
    await ing.store.createMessage({ id, sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: t0 });
    expect(await query(id)).toMatchObject({ command: 'query_sm_resp', status: 0, message_id: id, final_date: '', message_state: 1, error_code: 0 });
    await ing.store.transition(id, 'DELIVERED', { at: t0 + 5_000 });
    expect(await query(id)).toMatchObject({ status: 0, final_date: '261126131420000+', message_state: 2 });
    // Another client's message answers as if it did not exist.
    await ing.store.createMessage({ id: 'other-1', sys: 'globex', src: 'G', dst: '447700900123', rd: 1, state: 'ROUTED', at: t0 });
    expect((await query('other-1')).status).toBe(STATUS.ESME_RQUERYFAIL);
    expect((await c.session.request({ command: 'cancel_sm', message_id: id, service_type: '', source_addr: 'ACME', destination_addr: '447700900123' })).status).toBe(STATUS.ESME_RCANCELFAIL);
  });

  it('delivers a routed MO message as a plain deliver_sm (esm_class 0), not as a receipt', async () => {
    const { ns, ing } = await setup();
    await xaddEntry(ns.redis, ing.names.dlr('acme'), {
      v: 1, k: 'mo', id: 'mo-1', src: { ton: 1, npi: 1, addr: '447700900123' }, dst: { ton: 0, npi: 0, addr: '12345' },
      dc: 0, sm: encodeGsm7('STOP')!.toString('base64'), at: Date.now(),
    });
    const rx = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transceiver' });
    cleanups.push(() => rx.close());
    const [mo] = await rx.waitForReceipts(1, 5_000);
    expect(mo).toMatchObject({ command: 'deliver_sm', esm_class: 0, data_coding: 0, source_addr: '447700900123', destination_addr: '12345' });
    expect(mo.short_message?.toString('latin1')).toBe('STOP');
  });
});

describe('ingress binds facing the internet', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  async function setup(opts: Partial<TestIngressOptions> = {}) {
    const ns = await redisNamespace('ingress-auth');
    const ing = await startIngress(ns.url, ns.prefix, opts);
    cleanups.push(ns.cleanup, ing.close);
    return { ns, ing };
  }
  /** One bind on its own connection from `from`: its status, and whether the session was closed after a refusal. */
  async function tryBind(port: number, system_id: string, password: string, from = '127.0.0.1') {
    const p = await rawPeer(port, from);
    cleanups.push(async () => void p.sock.destroy());
    p.sock.write(bind(1, password, system_id));
    const resp = await p.next(1);
    if (resp.status !== 0) await waitFor(() => p.closed);
    return resp.status;
  }
  const errorsOf = async (ing: { metrics: AppMetrics }, kind: string) =>
    (await ing.metrics.errors.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0;

  it('locks out a system_id from one address after repeated failures, and only that pair', async () => {
    const { ing } = await setup();
    for (let i = 0; i < 10; i++) expect(await tryBind(ing.port, 'acme', `wrong${i}`)).toBe(STATUS.ESME_RBINDFAIL);
    // The right password no longer helps from this address…
    expect(await tryBind(ing.port, 'acme', 'acmepw')).toBe(STATUS.ESME_RBINDFAIL);
    // … while another client from it, and the same client from elsewhere, still bind.
    expect(await tryBind(ing.port, 'globex', 'globexpw')).toBe(0);
    expect(await tryBind(ing.port, 'acme', 'acmepw', '127.0.0.2')).toBe(0);
    expect(await errorsOf(ing, 'bind_failed')).toBe(11);
    expect(await errorsOf(ing, 'bind_lockout')).toBe(1);
    expect(await errorsOf(ing, 'bind_locked_out')).toBe(6);
  });

  it('lets the pair bind again once the lockout has ended', async () => {
    const { ing } = await setup({ auth: { maxFailures: 3, lockoutMs: 1_000 } });
    for (let i = 0; i < 3; i++) expect(await tryBind(ing.port, 'acme', 'wrong')).toBe(STATUS.ESME_RBINDFAIL);
    expect(await tryBind(ing.port, 'acme', 'acmepw')).toBe(STATUS.ESME_RBINDFAIL);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await tryBind(ing.port, 'acme', 'acmepw')).toBe(0);
  });

  it('a successful bind resets the failure count', async () => {
    const { ing } = await setup({ auth: { maxFailures: 3 } });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2; i++) expect(await tryBind(ing.port, 'acme', 'wrong')).toBe(STATUS.ESME_RBINDFAIL);
      expect(await tryBind(ing.port, 'acme', 'acmepw')).toBe(0);
    }
  });

  it('checks a scrypt passwordHash', async () => {
    const { ing } = await setup();
    expect(await tryBind(ing.port, 'globex', 'globexp')).toBe(STATUS.ESME_RBINDFAIL);
    expect(await tryBind(ing.port, 'globex', 'globexpw')).toBe(0);
  });

  it('refuses a client from outside its allowedIps, even with the right password', async () => {
    const { ing } = await setup();
    expect(await tryBind(ing.port, 'fenced', 'fencedpw', '127.0.0.1')).toBe(STATUS.ESME_RBINDFAIL);
    expect(await tryBind(ing.port, 'fenced', 'fencedpw', '127.0.0.2')).toBe(0);
    // An IPv4-mapped rule matches the IPv4 peer.
    expect(await tryBind(ing.port, 'fenced', 'fencedpw', '127.0.0.3')).toBe(0);
  });

  it('binds a certSubject client only over TLS with a CA-verified certificate of that CN', async () => {
    const pki = createTestPki();
    cleanups.push(async () => pki.cleanup());
    const { ing } = await setup({ tls: { port: 0, cert: pki.server.certPath, key: pki.server.keyPath, ca: pki.ca.certPath, requestCert: true, only: false, minVersion: 'TLSv1.2' } });
    const over = (cert?: { cert: Buffer; key: Buffer }) =>
      connectTestClient({ host: '127.0.0.1', port: ing.tlsPort!, systemId: 'certified', password: 'certpw', tls: { ca: pki.ca.cert, servername: 'localhost', ...cert } }).then(
        (c) => (cleanups.push(() => c.close()), 0),
        (err: { status?: number }) => err.status,
      );
    expect(await over(pki.issue('client-ok', 'acme-gw'))).toBe(0);
    expect(await over(pki.issue('client-other', 'globex-gw'))).toBe(STATUS.ESME_RBINDFAIL);
    expect(await over()).toBe(STATUS.ESME_RBINDFAIL);
    expect(await tryBind(ing.port, 'certified', 'certpw')).toBe(STATUS.ESME_RBINDFAIL);
  });

  it('behind a load balancer (ingress.proxyProtocol) counts lockouts, allowedIps and perAddress by the PROXY header\'s address', async () => {
    const { ing } = await setup({ proxyProtocol: true, auth: { maxFailures: 3 }, connections: ingressConnectionsSchema.parse({ perAddress: 2 }) });
    /** A bind from `client` through the balancer (127.0.0.1): PROXY v1 for IPv4, v2 for IPv6, in one write with the bind. */
    const viaProxy = async (client: string, system_id: string, password: string) => {
      const p = await rawPeer(ing.port);
      cleanups.push(async () => void p.sock.destroy());
      const v6 = client.includes(':');
      const header = v6
        ? Buffer.concat([Buffer.from('0d0a0d0a000d0a515549540a2121', 'hex'), Buffer.from([0, 36]), Buffer.from('20010db8000000000000000000000007', 'hex'), Buffer.alloc(20)])
        : Buffer.from(`PROXY TCP4 ${client} 127.0.0.1 40000 2775\r\n`);
      p.sock.write(Buffer.concat([header, bind(1, password, system_id)]));
      const resp = await p.next(1);
      if (resp.status !== 0) await waitFor(() => p.closed);
      return { status: resp.status, peer: p };
    };
    // Failures of one proxied address lock that address out, not the balancer's.
    for (let i = 0; i < 3; i++) expect((await viaProxy('203.0.113.7', 'acme', 'wrong')).status).toBe(STATUS.ESME_RBINDFAIL);
    expect((await viaProxy('203.0.113.7', 'acme', 'acmepw')).status).toBe(STATUS.ESME_RBINDFAIL);
    expect((await viaProxy('203.0.113.8', 'acme', 'acmepw')).status).toBe(0);
    expect((await viaProxy('2001:db8::7', 'acme', 'acmepw')).status).toBe(0);
    // allowedIps sees the client's address, not 127.0.0.1.
    expect((await viaProxy('127.0.0.2', 'fenced', 'fencedpw')).status).toBe(0);
    expect((await viaProxy('198.51.100.1', 'fenced', 'fencedpw')).status).toBe(STATUS.ESME_RBINDFAIL);
    // perAddress (2) per client address: 203.0.113.8 holds one bound session; a second is
    // admitted, a third refused at once — while other clients behind the same balancer still connect.
    expect((await viaProxy('203.0.113.8', 'globex', 'globexpw')).status).toBe(0);
    const third = await rawPeer(ing.port);
    third.sock.write(Buffer.from('PROXY TCP4 203.0.113.8 127.0.0.1 40001 2775\r\n'));
    await waitFor(() => third.closed);
    expect(await errorsOf(ing, 'connection_over_per_address')).toBe(1);
    expect((await viaProxy('203.0.113.9', 'globex', 'globexpw')).status).toBe(0);
    // A connection that does not start with a PROXY header is closed.
    const direct = await rawPeer(ing.port);
    direct.sock.write(bind(1, 'acmepw', 'acme'));
    await waitFor(() => direct.closed);
    expect(direct.pdus).toEqual([]);
    expect(await errorsOf(ing, 'proxy_header_missing')).toBe(1);
  });

  it('refuses binds with ESME_RSYSERR when the lockout state cannot be read, without crashing', async () => {
    const ns = await redisNamespace('ingress-auth');
    const ing = await startIngress(ns.url, ns.prefix, { lockoutRedisUrl: 'redis://127.0.0.1:1' });
    cleanups.push(ns.cleanup, ing.close);
    expect(await tryBind(ing.port, 'acme', 'acmepw')).toBe(STATUS.ESME_RSYSERR);
    expect(await tryBind(ing.port, 'acme', 'wrong')).toBe(STATUS.ESME_RSYSERR);
  });

  it('bounds the log lines of a client that keeps sending refused or broken PDUs', async () => {
    const lines: Array<{ msg: string; suppressed?: number }> = [];
    const captured = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const { ing } = await setup({ logger: captured });
    const c = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode: 'transmitter' });
    cleanups.push(() => c.close());
    const refused = await Promise.all(Array.from({ length: 1_000 }, () => c.submit({ source_addr: 'ACME', dest_addr_ton: 1, destination_addr: '', short_message: Buffer.from('x') })));
    expect(refused.every((r) => r.status === STATUS.ESME_RINVDSTADR)).toBe(true);
    // Malformed PDUs (sm_length past the body) from another bound session.
    const p = await rawPeer(ing.port);
    cleanups.push(async () => void p.sock.destroy());
    p.sock.write(bind(1));
    await p.next(1);
    const bad = Buffer.from(submit(2));
    bad[bad.length - 1 - 'hi'.length] = 200;
    p.sock.write(Buffer.concat(Array.from({ length: 300 }, () => bad)));
    await p.next(301);
    // Failed binds, from one address with many system_ids.
    for (let i = 0; i < 20; i++) expect(await tryBind(ing.port, `guess${i}`, 'x')).toBe(STATUS.ESME_RBINDFAIL);
    // The first of each is logged; the rest go into a summary line per 10 s (none or one here).
    const first = (msg: string) => lines.filter((l) => l.msg === msg && l.suppressed === undefined).length;
    const all = (msg: string) => lines.filter((l) => l.msg === msg).length;
    for (const msg of ['submit refused', 'malformed PDU', 'bind refused']) {
      expect(first(msg)).toBe(1);
      expect(all(msg)).toBeLessThanOrEqual(4);
    }
  });
});
