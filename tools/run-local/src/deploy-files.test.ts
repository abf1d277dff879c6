import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, type AppName } from '@smsgw/platform';
import { REPO_ROOT } from './supervisor';

/** A well-formed scrypt PHC string for the example config's ${ACME_PASSWORD_HASH}. */
const ACME_HASH = '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=';

const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
const hasHaproxy = spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0;

const ADMIN_HASH = `sha256:${'ab'.repeat(32)}`;
const DOCKER_ENV = { S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's', SMSGW_CLIENT_PASSWORD: 'pw', SMSGW_ADMIN_TOKEN_HASH: ADMIN_HASH };
/** What docker-compose needs set to read the file: the two secrets it ships no default for. */
const COMPOSE_ENV = { ...process.env, SMSGW_CLIENT_PASSWORD: 'pw', SMSGW_ADMIN_TOKEN_HASH: ADMIN_HASH };
/** The apps of the image, each with its own ops port (/readyz) in the docker config. */
const APPS: AppName[] = ['ingress', 'policy-worker', 'sender', 'dlr-worker', 'journal-exporter'];

interface ComposeService {
  image?: string;
  build?: unknown;
  container_name?: string;
  ports?: unknown[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition?: string }> | string[];
}

/** docker-compose.yml as compose reads it: `<<` merge keys (the x-app anchor) applied. */
function composeFile(): { version?: unknown; services: Record<string, ComposeService> } {
  return parseYaml(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
}

/**
 * A tag that names one release: a digest, or a version with at least major.minor.patch (MinIO:
 * its RELEASE.<date> tags). `latest`, `7.2` or no tag at all move under you on the next pull.
 */
function isPinned(ref: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return true;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon < slash) return false;
  const tag = ref.slice(colon + 1);
  return /^v?\d+\.\d+\.\d+/.test(tag) || /^RELEASE\.\d{4}-\d{2}-\d{2}T/.test(tag);
}

/** The trimmed, comment-free lines of one section of an HAProxy config ("defaults", "backend x"). */
function haproxySection(cfg: string, header: string): string {
  const out: string[] = [];
  let inside = false;
  for (const line of cfg.split('\n')) {
    if (/^\S/.test(line) && !line.startsWith('#')) inside = line.trim() === header;
    else if (inside && line.trim() && !line.trim().startsWith('#')) out.push(line.trim());
  }
  return out.join('\n');
}

describe('deployment files', () => {
  it('config/gateway.example.yaml is a valid config', () => {
    const cfg = loadConfig({ path: join(REPO_ROOT, 'config/gateway.example.yaml'), env: { ACME_PASSWORD_HASH: ACME_HASH, OP1_PASSWORD: 'b' } });
    expect(cfg.smscs.map((s) => s.id)).toEqual(['op1']);
    expect(cfg.clients[0].passwordHash).toBe(ACME_HASH);
    expect(cfg.policy.rules).toHaveLength(5);
    expect(cfg.smscs[0].text.segmentation).toBe('udh8');
  });

  it('config/gateway.docker.yaml is a valid config', () => {
    const cfg = loadConfig({ path: join(REPO_ROOT, 'config/gateway.docker.yaml'), env: DOCKER_ENV });
    expect(cfg.state.backend).toBe('aerospike');
    expect(cfg.s3.endpoint).toBe('http://minio:9000');
    // The admin service listens on every interface in its container, with the one token compose passes.
    expect(cfg.admin).toMatchObject({ host: '0.0.0.0', port: 9106, tokens: [{ name: 'admin', tokenHash: ADMIN_HASH, role: 'admin' }] });
  });

  // Debian's docker-compose validates the file without a Docker engine (.ci/run installs it).
  it.skipIf(!hasCompose)('docker-compose.yml validates (skipped only where docker-compose is not installed)', () => {
    const out = execFileSync('docker-compose', ['-f', join(REPO_ROOT, 'docker-compose.yml'), 'config', '--services'], { encoding: 'utf8', env: COMPOSE_ENV });
    expect(out.split('\n').filter(Boolean).sort()).toEqual(
      ['admin', 'aerospike', 'dlr-worker', 'grafana', 'haproxy', 'ingress', 'journal-exporter', 'minio', 'policy-worker', 'prometheus', 'redis', 'redis-limits', 'sender', 'smsc-sim'].sort(),
    );
    // Prometheus and Grafana start only with `--profile monitoring`.
    const compose = composeFile() as { services: Record<string, ComposeService & { profiles?: string[] }> };
    const profiled = Object.entries(compose.services).filter(([, svc]) => svc.profiles).map(([name, svc]) => [name, svc.profiles]);
    expect(profiled).toEqual([['prometheus', ['monitoring']], ['grafana', ['monitoring']]]);
  });

  // The same rules on compose's own reading of the file (its merge of the x-app anchor, its
  // normalised ports), which is what `up --scale` acts on.
  it.skipIf(!hasCompose)('docker-compose config: ingress scales behind HAProxy (skipped only where docker-compose is not installed)', () => {
    const out = execFileSync('docker-compose', ['-f', join(REPO_ROOT, 'docker-compose.yml'), 'config'], { encoding: 'utf8', env: COMPOSE_ENV });
    const services = (parseYaml(out) as { services: Record<string, ComposeService> }).services;
    for (const app of APPS) {
      expect(services[app].ports, `${app} publishes a host port`).toBeUndefined();
      expect(services[app].container_name, `${app} pins a container_name`).toBeUndefined();
      expect(services[app].depends_on, app).toMatchObject({ redis: { condition: 'service_healthy' } });
    }
    expect(JSON.stringify(services.haproxy.ports)).toContain('2775');
  });

  it.skipIf(!hasHaproxy)('config/haproxy.cfg passes `haproxy -c` (skipped only where haproxy is not installed)', () => {
    const res = spawnSync('haproxy', ['-c', '-f', join(REPO_ROOT, 'config/haproxy.cfg')], { encoding: 'utf8' });
    expect(res.status, res.stdout + res.stderr).toBe(0);
  });
});

describe('docker-compose.yml scales and heals', () => {
  const compose = composeFile();
  const services = compose.services;

  it('has no obsolete version key', () => {
    expect(compose).not.toHaveProperty('version');
  });

  it('pins every image it pulls, and the Dockerfile its base image', () => {
    const pulled = Object.entries(services).filter(([, s]) => s.build === undefined);
    expect(pulled.map(([name]) => name).sort()).toEqual(['aerospike', 'grafana', 'haproxy', 'minio', 'prometheus', 'redis', 'redis-limits']);
    for (const [name, s] of pulled) expect(isPinned(s.image ?? ''), `${name}: ${s.image}`).toBe(true);
    const from = [...readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(from.length).toBeGreaterThan(0);
    for (const ref of from) expect(isPinned(ref), `Dockerfile FROM ${ref}`).toBe(true);
    // The rule itself: floating tags are refused.
    for (const ref of ['redis', 'redis:7.2', 'minio/minio:latest', 'haproxy:3', 'localhost:5000/redis']) expect(isPinned(ref), ref).toBe(false);
  });

  it('gives every service a healthcheck, each app probing its own /readyz port', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.healthcheck?.disable, name).not.toBe(true);
      expect(s.healthcheck?.test?.length ?? 0, `${name} has no healthcheck`).toBeGreaterThan(0);
    }
    const cfg = loadConfig({ path: join(REPO_ROOT, 'config/gateway.docker.yaml'), env: DOCKER_ENV });
    for (const app of APPS) {
      expect([services[app].healthcheck?.test].flat().join(' '), app).toContain(`http://127.0.0.1:${cfg.http.ports[app]}/readyz`);
    }
    // The admin app's probes are on its own API port.
    expect([services.admin.healthcheck?.test].flat().join(' ')).toContain(`http://127.0.0.1:${cfg.admin.port}/readyz`);
  });

  it('runs the admin API and console from the image, published on the host loopback only, once Redis and Aerospike are healthy', () => {
    const cfg = loadConfig({ path: join(REPO_ROOT, 'config/gateway.docker.yaml'), env: DOCKER_ENV });
    const admin = services.admin as ComposeService & { command?: string[] };
    expect(admin.command?.join(' ')).toContain('dist/admin/main.js');
    expect(admin.ports).toEqual([`127.0.0.1:${cfg.admin.port}:${cfg.admin.port}`]);
    // Only what it reads: an S3 or limiter outage does not keep the console from starting.
    expect(admin.depends_on).toEqual({ redis: { condition: 'service_healthy' }, aerospike: { condition: 'service_healthy' } });
  });

  it('starts the apps only once Redis, Aerospike and MinIO are healthy', () => {
    for (const app of APPS) {
      expect(services[app].depends_on, app).toMatchObject({
        redis: { condition: 'service_healthy' },
        aerospike: { condition: 'service_healthy' },
        minio: { condition: 'service_healthy' },
      });
    }
  });

  it('publishes SMPP only through HAProxy; scaled services pin no container_name or host port', () => {
    for (const app of APPS) {
      expect(services[app].ports, `${app} publishes a host port: --scale would collide`).toBeUndefined();
      expect(services[app].container_name, `${app} pins a container_name: --scale would collide`).toBeUndefined();
    }
    expect(services.haproxy.ports).toContain('2775:2775');
    expect(services.haproxy.depends_on).toMatchObject({ ingress: { condition: 'service_healthy' } });
  });

  it('has HAProxy follow every ingress replica through Docker DNS, ready ones only', () => {
    const cfg = loadConfig({ path: join(REPO_ROOT, 'config/gateway.docker.yaml'), env: DOCKER_ENV });
    const haproxy = readFileSync(join(REPO_ROOT, 'config/haproxy.cfg'), 'utf8');
    const backend = haproxySection(haproxy, 'backend ingress');
    const template = /^server-template\s+\S+\s+(\d+)\s+ingress:(\d+)\s+(.*)$/m.exec(backend);
    expect(template, 'a server-template on the ingress service name').not.toBeNull();
    const [, slots, port, opts] = template!;
    expect(Number(slots)).toBeGreaterThanOrEqual(3);
    expect(Number(port)).toBe(cfg.ingress.port);
    expect(opts).toMatch(/\bresolvers\s+\S+/);
    expect(opts).toContain(`check port ${cfg.http.ports.ingress}`);
    // The client's address reaches ingress (lockout, allowedIps, perAddress) in a PROXY header.
    expect(opts).toMatch(/\bsend-proxy(-v2)?\b/);
    expect(cfg.ingress.proxyProtocol).toBe(true);
    expect(backend).toMatch(/^http-check send meth GET uri \/readyz\b/m);
    expect(backend).toMatch(/^balance leastconn$/m);
    expect(haproxySection(haproxy, 'frontend smpp')).toMatch(new RegExp(`^bind :${cfg.ingress.port}$`, 'm'));

    const defaults = haproxySection(haproxy, 'defaults');
    expect(defaults).toMatch(/^mode tcp$/m);
    // SMPP sessions idle for minutes between enquire_links: no client/server timeout under an hour.
    for (const side of ['client', 'server']) {
      const m = new RegExp(`^timeout ${side} (\\d+)(h|m|s)$`, 'm').exec(defaults);
      expect(m, `timeout ${side}`).not.toBeNull();
      expect(Number(m![1]) * { h: 3600, m: 60, s: 1 }[m![2] as 'h' | 'm' | 's'], `timeout ${side}`).toBeGreaterThanOrEqual(3600);
    }
  });
});
