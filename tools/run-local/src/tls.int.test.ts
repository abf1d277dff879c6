import { X509Certificate } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { connectTestClient, createTestPki } from '@smsgw/testing';
import { STATUS } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { freePort } from './stack';
import { useStack } from './use-stack';

// Issue #11 end to end: a client binds over TLS to the running gateway, whose sender reaches the
// SMSC simulator over TLS as well (certificate checked against a test CA); the receipt comes back.
describe('TLS on both sides of the running gateway', () => {
  const pki = createTestPki();
  afterAll(() => pki.cleanup());
  // The gateway reads its certificate from here; the SIGHUP test swaps the files.
  const certPath = `${pki.dir}/ingress.crt`;
  const keyPath = `${pki.dir}/ingress.key`;
  copyFileSync(pki.server.certPath, certPath);
  copyFileSync(pki.server.keyPath, keyPath);
  let tlsPort = 0;
  const env = useStack('e2e-tls', {
    sim: { receiptDelayMs: 100, tls: { cert: pki.server.cert, key: pki.server.key } },
    stack: async () => {
      tlsPort = await freePort();
      return {
        extra: { ingress: { tls: { port: tlsPort, cert: certPath, key: keyPath, minVersion: 'TLSv1.2' } } },
        smscExtra: { tls: { ca: pki.ca.certPath } },
      };
    },
  });

  const serverCert = () =>
    new Promise<PeerCertificate>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port: tlsPort, ca: pki.ca.cert }, () => {
        resolve(s.getPeerCertificate());
        s.destroy();
      });
      s.once('error', reject);
    });

  it('binds, submits and gets the receipt over TLS', async () => {
    const c = await connectTestClient({ host: '127.0.0.1', port: tlsPort, systemId: 'acme', password: 'acmepw', tls: { ca: pki.ca.cert } });
    const resp = await c.submit({
      source_addr_ton: 5, source_addr: 'TEST', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900777', registered_delivery: 1,
      short_message: encodeGsm7('hello over tls')!,
    });
    expect(resp.status).toBe(STATUS.ESME_ROK);
    const [receipt] = await c.waitForReceipts(1, 20_000);
    const r = parseReceiptText(receipt!.short_message!.toString('latin1'));
    expect([r.id, r.stat]).toEqual([resp.message_id, 'DELIVRD']);
    expect(env.sim.stats.accepted).toBe(1);
    await c.close();
  });

  it('SIGHUP makes the ingress serve a renewed certificate without dropping bound clients', async () => {
    const c = await connectTestClient({ host: '127.0.0.1', port: tlsPort, systemId: 'acme', password: 'acmepw', tls: { ca: pki.ca.cert } });
    const before = await serverCert();
    const renewed = pki.issue('renewed', 'localhost', 'DNS:localhost,IP:127.0.0.1');
    copyFileSync(renewed.certPath, certPath);
    copyFileSync(renewed.keyPath, keyPath);
    process.kill(env.stack.procs.get('ingress')!.pid!, 'SIGHUP');
    const end = Date.now() + 10_000;
    let after = before;
    while (after.fingerprint256 === before.fingerprint256 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      after = await serverCert();
    }
    expect(after.fingerprint256).toBe(new X509Certificate(renewed.cert).fingerprint256);
    const resp = await c.submit({ source_addr_ton: 5, source_addr: 'TEST', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900778', short_message: encodeGsm7('still bound')! });
    expect(resp.status).toBe(STATUS.ESME_ROK);
    await c.close();
  });
});
