import { once } from 'node:events';
import { Socket, type AddressInfo } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSchema, hashPassword } from '@smsgw/platform';
import { createTestPki, type TestPki } from '@smsgw/testing';
import { addressAllowed, allowList, certMatches, createAuthenticator, plainAddress, plaintextClients } from './bind-auth';

// Cheap scrypt: these tests are about the decisions, not the cost.
const params = { ln: 10, r: 8, p: 1 };
/** A plain TCP socket object reporting `address` as its peer (never connected). */
const from = (address: string): Socket => Object.defineProperty(new Socket(), 'remoteAddress', { value: address });
const req = (systemId: string, password: string, mode: 'transmitter' | 'receiver' | 'transceiver' = 'transceiver', socket = from('127.0.0.1')) => ({ systemId, password, mode, socket });

describe('bind authentication', () => {
  let auth: ReturnType<typeof createAuthenticator>;
  beforeAll(async () => {
    auth = createAuthenticator(
      [
        clientSchema.parse({ systemId: 'acme', password: 'pw1' }),
        clientSchema.parse({ systemId: 'txonly', password: 'pw2', bindTypes: ['transmitter'] }),
        clientSchema.parse({ systemId: 'hashed', passwordHash: await hashPassword('s3cret', params) }),
        clientSchema.parse({ systemId: 'fenced', password: 'pw3', allowedIps: ['10.1.0.0/16', '2001:db8::/32'] }),
        clientSchema.parse({ systemId: 'certified', password: 'pw4', certSubject: 'acme-gw' }),
      ],
      { params },
    );
  });

  it('accepts the right password, plaintext or scrypt hash', async () => {
    expect(await auth(req('acme', 'pw1'))).toMatchObject({ ok: true, client: { systemId: 'acme' } });
    expect(await auth(req('hashed', 's3cret'))).toMatchObject({ ok: true, client: { systemId: 'hashed' } });
    // Again (from the cache of verified passwords): still only the exact password.
    expect((await auth(req('hashed', 's3cret'))).ok).toBe(true);
    expect((await auth(req('hashed', 's3cret '))).ok).toBe(false);
  });

  it('answers unknown user and wrong password with the same ESME_RBINDFAIL', async () => {
    const bad = { ok: false, status: 0x0d, reason: 'bad credentials' };
    expect(await auth(req('acme', 'nope'))).toEqual(bad);
    expect(await auth(req('hashed', 'pw1'))).toEqual(bad);
    expect(await auth(req('ghost', 'pw1'))).toEqual(bad);
  });

  it('refuses a bind type the client may not use', async () => {
    expect(await auth(req('txonly', 'pw2', 'receiver'))).toMatchObject({ ok: false, status: 0x0d });
    expect((await auth(req('txonly', 'pw2', 'transmitter'))).ok).toBe(true);
  });

  it('enforces allowedIps for IPv4, IPv4-mapped IPv6 and IPv6 peers', async () => {
    expect((await auth(req('fenced', 'pw3', 'transceiver', from('10.1.2.3')))).ok).toBe(true);
    expect((await auth(req('fenced', 'pw3', 'transceiver', from('::ffff:10.1.2.3')))).ok).toBe(true);
    expect((await auth(req('fenced', 'pw3', 'transceiver', from('2001:db8:5::7')))).ok).toBe(true);
    expect(await auth(req('fenced', 'pw3', 'transceiver', from('10.2.0.1')))).toEqual({ ok: false, status: 0x0d, reason: 'address not in allowedIps' });
    expect((await auth(req('fenced', 'pw3', 'transceiver', from('::ffff:10.2.0.1')))).ok).toBe(false);
    expect((await auth(req('fenced', 'pw3', 'transceiver', from('2001:db9::1')))).ok).toBe(false);
    // Not fenced: any address.
    expect((await auth(req('acme', 'pw1', 'transceiver', from('203.0.113.9')))).ok).toBe(true);
  });

  it('refuses certSubject clients on a plain TCP connection even with the right password', async () => {
    expect(await auth(req('certified', 'pw4'))).toEqual({ ok: false, status: 0x0d, reason: 'client certificate does not match certSubject' });
  });

  it('names the clients that still use a plaintext password', () => {
    expect(plaintextClients([clientSchema.parse({ systemId: 'a', password: 'x' }), clientSchema.parse({ systemId: 'b', passwordHash: '$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })])).toEqual(['a']);
  });
});

describe('bind authentication following the client registry (update)', () => {
  it('a new client binds, a changed password refuses the remembered old one, a removed client is unknown', async () => {
    const acme = clientSchema.parse({ systemId: 'acme', password: 'pw1' });
    const auth = createAuthenticator([acme], { params });
    expect((await auth(req('acme', 'pw1'))).ok).toBe(true);
    expect((await auth(req('rt1', 'rtpw'))).ok).toBe(false);
    auth.update([acme, clientSchema.parse({ systemId: 'rt1', passwordHash: await hashPassword('rtpw', params), bindTypes: ['receiver'] })]);
    expect((await auth(req('rt1', 'rtpw', 'receiver'))).ok).toBe(true);
    expect(await auth(req('rt1', 'rtpw', 'transmitter'))).toMatchObject({ ok: false, reason: 'bind type transmitter not allowed' });
    // acme's password was verified and remembered (cache): a change must forget it.
    auth.update([clientSchema.parse({ systemId: 'acme', password: 'pw2' })]);
    expect((await auth(req('acme', 'pw1'))).ok).toBe(false);
    expect((await auth(req('acme', 'pw2'))).ok).toBe(true);
    expect(await auth(req('rt1', 'rtpw', 'receiver'))).toMatchObject({ ok: false, reason: 'bad credentials' });
  });
});

describe('address rules', () => {
  it('single addresses and blocks, both families', () => {
    const list = allowList(['192.0.2.7', '198.51.100.0/24', '2001:db8::1']);
    expect(addressAllowed(list, '192.0.2.7')).toBe(true);
    expect(addressAllowed(list, '192.0.2.8')).toBe(false);
    expect(addressAllowed(list, '198.51.100.200')).toBe(true);
    expect(addressAllowed(list, '2001:db8::1')).toBe(true);
    expect(addressAllowed(list, '2001:db8::2')).toBe(false);
    expect(addressAllowed(list, undefined)).toBe(false);
    expect(addressAllowed(allowList([]), '203.0.113.1')).toBe(true);
    expect(plainAddress('::FFFF:127.0.0.1')).toBe('127.0.0.1');
    expect(plainAddress('::1')).toBe('::1');
  });
});

describe('certSubject over a real TLS connection', () => {
  let pki: TestPki;
  beforeAll(() => void (pki = createTestPki()));
  afterAll(() => pki.cleanup());

  /** certMatches on the server side of a TLS connection made with this client certificate (or none). */
  async function matches(subject: string, client?: { cert: Buffer; key: Buffer }, trusted = pki.ca.cert): Promise<boolean> {
    const server = createTlsServer({ cert: pki.server.cert, key: pki.server.key, ca: trusted, requestCert: true, rejectUnauthorized: false });
    const accepted = once(server, 'secureConnection') as Promise<[TLSSocket]>;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const c = tlsConnect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', ca: pki.ca.cert, servername: 'localhost', ...client });
    const [s] = await accepted;
    const result = certMatches(s, subject);
    c.destroy();
    s.destroy();
    server.close();
    return result;
  }

  it('matches only a CA-verified certificate whose subject CN is certSubject', async () => {
    const good = pki.issue('client-acme', 'acme-gw');
    const other = pki.issue('client-other', 'someone-else');
    expect(await matches('acme-gw', good)).toBe(true);
    expect(await matches('acme-gw', other)).toBe(false);
    expect(await matches('acme-gw')).toBe(false);
    // The right CN from a CA the listener does not trust (socket.authorized false).
    expect(await matches('acme-gw', good, pki.otherCa.cert)).toBe(false);
  });
});
