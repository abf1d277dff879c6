import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { smscSchema } from '@smsgw/platform';
import { createTestPki, startSmscSim, type TestPki } from '@smsgw/testing';
import { STATUS } from '@smsgw/smpp';
import { encodeGsm7 } from '@smsgw/sms-text';
import { createSmscLink } from './smsc-link';

// The SMSC link over TLS (smscs[].tls) against the simulator speaking TLS with a test CA.
describe('SMSC link over TLS', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki.cleanup());
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(tls: Record<string, unknown>) {
    const sim = await startSmscSim({ tls: { cert: pki.server.cert, key: pki.server.key } });
    const lines: Array<{ level: number; msg: string; err?: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const smsc = smscSchema.parse({ id: 'tls-sim', host: '127.0.0.1', port: sim.port, systemId: 'gw', password: 'gw', reconnectMinMs: 100, reconnectMaxMs: 200, tls });
    const link = createSmscLink({ smsc, logger, onDeliver: async () => 0 });
    link.start();
    cleanups.push(() => sim.close(), () => link.stop());
    return { sim, link, lines };
  }

  it('binds with the certificate checked against the configured CA and submits', async () => {
    const { sim, link } = await setup({ ca: pki.ca.certPath });
    expect(await link.waitBound(5_000)).toBe(true);
    const s = link.pick()!;
    expect('encrypted' in s.socket).toBe(true);
    const resp = await s.request({ command: 'submit_sm', source_addr: 'GW', destination_addr: '447700900123', short_message: encodeGsm7('tls')! });
    expect(resp.status).toBe(STATUS.ESME_ROK);
    expect(sim.stats.accepted).toBe(1);
  });

  it('does not bind to an SMSC whose certificate the CA did not sign; the failure is logged and retried', async () => {
    const { sim, link, lines } = await setup({ ca: pki.otherCa.certPath });
    expect(await link.waitBound(1_500)).toBe(false);
    expect(sim.stats.binds).toBe(0);
    const failures = lines.filter((l) => l.msg === 'SMSC connect/bind failed');
    expect(failures.length).toBeGreaterThanOrEqual(2); // retried
    expect(failures[0]!.err).toMatch(/TLS connect to 127\.0\.0\.1:\d+ failed: .*certificate/);
  });

  it('a CA file that cannot be read is a connect failure too, not a crash', async () => {
    const { link, lines } = await setup({ ca: `${pki.dir}/missing.crt` });
    expect(await link.waitBound(500)).toBe(false);
    expect(lines.find((l) => l.msg === 'SMSC connect/bind failed')?.err).toMatch(/ENOENT/);
  });
});
