import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@smsgw/platform';
import { REPO_ROOT } from './supervisor';

/** A well-formed scrypt PHC string for the example config's ${ACME_PASSWORD_HASH}. */
const ACME_HASH = '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=';

const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

describe('deployment files', () => {
  it('config/gateway.example.yaml is a valid config', () => {
    const cfg = loadConfig({ path: join(REPO_ROOT, 'config/gateway.example.yaml'), env: { ACME_PASSWORD_HASH: ACME_HASH, OP1_PASSWORD: 'b', POLICY_ADMIN_TOKEN: 'a-long-enough-admin-token' } });
    expect(cfg.smscs.map((s) => s.id)).toEqual(['op1']);
    expect(cfg.clients[0].passwordHash).toBe(ACME_HASH);
    expect(cfg.policy.rules).toHaveLength(5);
    expect(cfg.smscs[0].text.segmentation).toBe('udh8');
  });

  it('config/gateway.docker.yaml is a valid config', () => {
    const cfg = loadConfig({ path: join(REPO_ROOT, 'config/gateway.docker.yaml'), env: { S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's', SMSGW_CLIENT_PASSWORD: 'pw' } });
    expect(cfg.state.backend).toBe('aerospike');
    expect(cfg.s3.endpoint).toBe('http://minio:9000');
  });

  // Debian's docker-compose validates the file without a Docker engine (.ci/run installs it).
  it.skipIf(!hasCompose)('docker-compose.yml validates (skipped only where docker-compose is not installed)', () => {
    const out = execFileSync('docker-compose', ['-f', join(REPO_ROOT, 'docker-compose.yml'), 'config', '--services'], { encoding: 'utf8', env: { ...process.env, SMSGW_CLIENT_PASSWORD: 'pw' } });
    expect(out.split('\n').filter(Boolean).sort()).toEqual(
      ['aerospike', 'dlr-worker', 'ingress', 'journal-exporter', 'minio', 'policy-worker', 'redis', 'sender', 'smsc-sim'].sort(),
    );
  });
});
