import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  /** PEM file paths (for config files) … */
  certPath: string;
  keyPath: string;
  /** … and their contents (for node:tls options). */
  cert: Buffer;
  key: Buffer;
}

export interface TestPki {
  dir: string;
  ca: { certPath: string; cert: Buffer };
  /** A CA that signed nothing here: trusting only it must fail every handshake. */
  otherCa: { certPath: string; cert: Buffer };
  /** Signed by `ca` for localhost and 127.0.0.1. */
  server: TestCert;
  /** Issue another certificate from `ca` (a client certificate with this CN, or a renewed server one). */
  issue(name: string, cn: string, altNames?: string): TestCert;
  cleanup(): void;
}

/**
 * A throw-away CA with a server certificate, made with the `openssl` CLI at test time (the CI
 * script installs it when missing). EC P-256 keys: fast to make, valid for two days.
 */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-pki-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const makeCa = (name: string) => {
    ssl('req', '-x509', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    const certPath = join(dir, `${name}.crt`);
    return { certPath, cert: readFileSync(certPath) };
  };
  const ca = makeCa('smsgw-test-ca');
  const otherCa = makeCa('smsgw-other-ca');
  const issue = (name: string, cn: string, altNames?: string): TestCert => {
    writeFileSync(join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\n${altNames ? `subjectAltName=${altNames}\n` : ''}`);
    ssl('req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'smsgw-test-ca.crt', '-CAkey', 'smsgw-test-ca.key', '-CAcreateserial',
      '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
    const certPath = join(dir, `${name}.crt`);
    const keyPath = join(dir, `${name}.key`);
    return { certPath, keyPath, cert: readFileSync(certPath), key: readFileSync(keyPath) };
  };
  const server = issue('server', 'localhost', 'DNS:localhost,IP:127.0.0.1');
  return { dir, ca, otherCa, server, issue, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
