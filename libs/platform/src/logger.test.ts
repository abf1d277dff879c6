import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { createLogger, redactSecrets } from './logger';

/** The root logger, writing its JSON lines here. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('test', 'info', undefined, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n';

describe('log redaction', () => {
  it('redacts every secret of a logged config object, at any depth, and keeps the rest', () => {
    const config = loadConfig({
      text: `clients: [{ systemId: acme, password: pw1 }, { systemId: b, passwordHash: "$scrypt$ln=14,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=" }]
smscs: [{ id: op1, host: h, port: 1, systemId: gw, password: pw2 }]
routes: [{ prefix: "", smscs: [op1] }]
s3: { endpoint: "http://s3", accessKeyId: AKIAKEEP, secretAccessKey: s3secret }
http: { metricsToken: a-metrics-token-0123 }`,
    });
    const { logger, lines } = capture();
    logger.info({ config }, 'config loaded');
    const text = JSON.stringify(lines[0]);
    for (const secret of ['pw1', 'pw2', 'scrypt', 's3secret', 'a-metrics-token-0123']) expect(text).not.toContain(secret);
    const logged = lines[0].config as typeof config;
    expect(logged.clients[0]).toMatchObject({ systemId: 'acme', password: '[redacted]' });
    expect(logged.clients[1].passwordHash).toBe('[redacted]');
    expect(logged.smscs[0]).toMatchObject({ id: 'op1', host: 'h', password: '[redacted]' });
    expect(logged.s3).toMatchObject({ accessKeyId: 'AKIAKEEP', secretAccessKey: '[redacted]' });
    expect(logged.http.metricsToken).toBe('[redacted]');
    // The caller's object is not touched.
    expect(config.clients[0].password).toBe('pw1');
  });

  it('redacts authorization headers, top-level secrets, PEM contents and child bindings', () => {
    const { logger, lines } = capture();
    logger.info({ req: { method: 'GET', headers: { authorization: 'Bearer abc', Authorization: 'Basic xyz', host: 'h' } } });
    logger.info({ password: 'top', token: 't', smscId: 'op1' });
    logger.info({ tls: { key: PEM, cert: Buffer.from(PEM), ca: 'certs/ca.pem' }, note: PEM });
    logger.child({ session: { systemId: 'acme', password: 'bound' } }).child({ token: 'grandchild' }).info('bound');
    expect(lines[0].req).toEqual({ method: 'GET', headers: { authorization: '[redacted]', Authorization: '[redacted]', host: 'h' } });
    expect(lines[1]).toMatchObject({ password: '[redacted]', token: '[redacted]', smscId: 'op1' });
    expect(lines[2]).toMatchObject({ tls: { key: '[redacted]', cert: '[redacted]', ca: 'certs/ca.pem' }, note: '[redacted]' });
    expect(lines[3].session).toEqual({ systemId: 'acme', password: '[redacted]' });
    expect(lines[3].token).toBe('[redacted]');
  });

  it('returns an object without secrets as it is, and stops at cycles', () => {
    const plain = { msgId: 'u1', pdu: { command: 'submit_sm', seq: 3 }, parts: [1, 2] };
    expect(redactSecrets(plain)).toBe(plain);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(redactSecrets(cyclic)).toBe(cyclic);
  });
});
