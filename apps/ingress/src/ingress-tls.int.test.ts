import { copyFileSync, writeFileSync } from 'node:fs';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientSchema, ingressConnectionsSchema, ingressTlsSchema } from '@smsgw/platform';
import { connectTestClient, createTestPki, redisNamespace, type TestPki } from '@smsgw/testing';
import { STATUS } from '@smsgw/smpp';
import { encodeGsm7 } from '@smsgw/sms-text';
import { startTestIngress } from './test-ingress';

const clients = [clientSchema.parse({ systemId: 'acme', password: 'acmepw', maxBinds: 5 })];
const session = { window: 10, sessionInitMs: 5_000, enquireLinkMs: 0, inactivityMs: 0, responseTimeoutMs: 2_000, receiptWindow: 10 };
const sms = { source_addr: 'ACME', source_addr_ton: 5, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900123' };

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startIngress(tls: Record<string, unknown>, connections: Record<string, number> = {}) {
  const ns = await redisNamespace('ingress-tls');
  const ing = await startTestIngress({
    redisUrl: ns.url, prefix: ns.prefix, clients, session,
    commandTimeoutMs: 5_000, // generous: the machine may be loaded
    tls: ingressTlsSchema.parse({ port: 0, cert: pki.server.certPath, key: pki.server.keyPath, ...tls }),
    connections: ingressConnectionsSchema.parse(connections),
  });
  cleanups.push(ns.cleanup, ing.close);
  return { ...ing, ns };
}

const bindTls = (port: number, ca: Buffer = pki.ca.cert) =>
  connectTestClient({ host: '127.0.0.1', port, systemId: 'acme', password: 'acmepw', enquireLinkMs: 0, tls: { ca } });

/** The certificate the TLS listener presents to a new connection. */
const serverCert = (port: number) =>
  new Promise<PeerCertificate>((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca: pki.ca.cert }, () => {
      resolve(s.getPeerCertificate());
      s.destroy();
    });
    s.once('error', reject);
  });

describe('ingress over TLS (ingress.tls)', () => {
  it('binds and submits over TLS beside the plain listener; the message is queued like any other', async () => {
    const ing = await startIngress({});
    expect(ing.server.tlsPort).toBeGreaterThan(0);
    expect(ing.server.port).toBe(ing.port);
    const c = await bindTls(ing.server.tlsPort!);
    expect('encrypted' in c.session.socket).toBe(true);
    const resp = await c.submit({ ...sms, short_message: encodeGsm7('over tls')! });
    expect(resp.status).toBe(STATUS.ESME_ROK);
    expect(await ing.ns.redis.xlen(ing.names.in)).toBe(1);
    await c.close();

    const plain = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', enquireLinkMs: 0 });
    await plain.close();
    // A client that does not trust the gateway's CA does not get as far as a bind.
    await expect(bindTls(ing.server.tlsPort!, pki.otherCa.cert)).rejects.toThrow(/TLS connect to 127\.0\.0\.1:\d+ failed/);
  });

  it('with `only` there is no plain listener and start() returns the TLS port', async () => {
    const ing = await startIngress({ only: true });
    expect(ing.server.port).toBeUndefined();
    expect(ing.port).toBe(ing.server.tlsPort);
    const c = await bindTls(ing.port);
    expect((await c.submit({ ...sms, short_message: encodeGsm7('only tls')! })).status).toBe(STATUS.ESME_ROK);
    await c.close();
  });

  it('refuses TLS below minVersion', async () => {
    const ing = await startIngress({ minVersion: 'TLSv1.3' });
    await expect(
      connectTestClient({ host: '127.0.0.1', port: ing.server.tlsPort!, systemId: 'acme', password: 'acmepw', tls: { ca: pki.ca.cert, maxVersion: 'TLSv1.2' } }),
    ).rejects.toThrow(/TLS connect/);
  });

  it('reloadTls (SIGHUP) gives new connections the new certificate, and keeps the old one when the new files are bad', async () => {
    const certPath = `${pki.dir}/live.crt`;
    const keyPath = `${pki.dir}/live.key`;
    copyFileSync(pki.server.certPath, certPath);
    copyFileSync(pki.server.keyPath, keyPath);
    const ing = await startIngress({ cert: certPath, key: keyPath });
    const port = ing.server.tlsPort!;
    const before = await serverCert(port);
    const bound = await bindTls(port);

    const renewed = pki.issue('renewed', 'localhost', 'DNS:localhost,IP:127.0.0.1');
    copyFileSync(renewed.certPath, certPath);
    copyFileSync(renewed.keyPath, keyPath);
    expect(ing.server.reloadTls()).toBe(true);
    const after = await serverCert(port);
    expect(after.fingerprint256).not.toBe(before.fingerprint256);
    // The bound client keeps its session.
    expect((await bound.submit({ ...sms, short_message: encodeGsm7('still here')! })).status).toBe(STATUS.ESME_ROK);

    writeFileSync(certPath, 'not a certificate');
    expect(ing.server.reloadTls()).toBe(false);
    expect((await serverCert(port)).fingerprint256).toBe(after.fingerprint256);
    await bound.close();
  });

  it('TLS connections count against the caps: a bound TLS client is not evicted by idle sockets', async () => {
    const ing = await startIngress({}, { maxUnbound: 2 });
    const port = ing.server.tlsPort!;
    const bound = await bindTls(port);
    // Three handshakes that never bind: the oldest of them is closed, the bound client is not.
    const idle = [];
    for (let i = 0; i < 3; i++) idle.push(await serverCertSocket(port));
    const end = Date.now() + 5_000;
    while (!idle[0]!.closed && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(idle.map((s) => s.closed)).toEqual([true, false, false]);
    expect((await bound.submit({ ...sms, short_message: encodeGsm7('bound')! })).status).toBe(STATUS.ESME_ROK);
    for (const s of idle) s.sock.destroy();
    await bound.close();
  });

  it('a TLS connection over perAddress is dropped before its handshake; the listener keeps serving', async () => {
    const ing = await startIngress({}, { perAddress: 1 });
    const port = ing.server.tlsPort!;
    const first = await serverCertSocket(port);
    await expect(serverCertSocket(port)).rejects.toThrow();
    first.sock.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const c = await bindTls(port);
    expect((await c.submit({ ...sms, short_message: encodeGsm7('after')! })).status).toBe(STATUS.ESME_ROK);
    await c.close();
  });
});

/** A TLS connection that completes its handshake and then idles. */
async function serverCertSocket(port: number) {
  const sock = tlsConnect({ host: '127.0.0.1', port, ca: pki.ca.cert });
  const state = { sock, closed: false };
  sock.on('close', () => (state.closed = true));
  sock.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    sock.once('secureConnect', () => resolve());
    sock.once('error', reject);
  });
  return state;
}
