import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

/** A well-formed scrypt PHC string for the example config's ${ACME_PASSWORD_HASH}. */
const ACME_HASH = '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=';

const dockerConfig = fileURLToPath(new URL('../../../config/gateway.docker.yaml', import.meta.url));
const exampleConfig = fileURLToPath(new URL('../../../config/gateway.example.yaml', import.meta.url));

describe('loadConfig', () => {
  it('redis.cluster: seed nodes as host:port, at least one; a bad one is named', () => {
    const cfg = loadConfig({ text: 'redis: { cluster: ["10.0.0.1:7000", "redis-b:7001"] }' });
    expect(cfg.redis.cluster).toEqual(['10.0.0.1:7000', 'redis-b:7001']);
    expect(() => loadConfig({ text: 'redis: { cluster: ["10.0.0.1:7000", "redis-b"] }' })).toThrow(/redis\.cluster\[1\]/);
    expect(() => loadConfig({ text: 'redis: { cluster: [] }' })).toThrow(/redis\.cluster/);
  });

  it('embedded defaults give a runnable gateway: a client, the simulator SMSC, a catch-all route', () => {
    const cfg = loadConfig();
    expect(cfg.clients[0].systemId).toBe('demo');
    expect(cfg.smscs[0]).toMatchObject({ id: 'sim', port: 2776, throughput: 0 });
    expect(cfg.routes[0]).toEqual({ prefix: '', smscs: ['sim'], weights: [1], backup: [] });
    expect(cfg.redis.prefix).toBe('smsgw');
    expect(cfg.ingress.port).toBe(2775);
    expect(Object.isFrozen(cfg.redis)).toBe(true);
  });

  it('names the field of a bad value', () => {
    const text = 'smscs:\n  - { id: op1, host: h, port: 99999, systemId: gw, password: pw }\n';
    expect(() => loadConfig({ text })).toThrow(ConfigError);
    expect(() => loadConfig({ text })).toThrow(/smscs\[0\]\.port/);
  });

  it('rejects a route naming an unknown smsc', () => {
    const text = 'smscs: [{ id: op1, host: h, port: 1, systemId: gw, password: pw }]\nroutes: [{ prefix: "44", smscs: [op2] }]\n';
    expect(() => loadConfig({ text })).toThrow(/unknown smsc "op2"\n\s*→ at routes\[0\]\.smscs\[0\]/);
  });

  it('reads weighted SMSCs and backups of a route, and checks them', () => {
    const smscs = 'smscs: [{ id: a, host: h, port: 1, systemId: gw, password: pw }, { id: b, host: h, port: 2, systemId: gw, password: pw }, { id: c, host: h, port: 3, systemId: gw, password: pw }]\n';
    const cfg = loadConfig({ text: `${smscs}routes: [{ prefix: "44", smscs: [a, { id: b, weight: 3 }], backup: [c] }]\n` });
    expect(cfg.routes[0]).toMatchObject({ smscs: ['a', 'b'], weights: [1, 3], backup: ['c'] });
    expect(() => loadConfig({ text: `${smscs}routes: [{ prefix: "", smscs: [a], backup: [d] }]\n` })).toThrow(/unknown smsc "d"\n\s*→ at routes\[0\]\.backup\[0\]/);
    expect(() => loadConfig({ text: `${smscs}routes: [{ prefix: "", smscs: [a], backup: [a] }]\n` })).toThrow(/primary of this route already/);
    expect(() => loadConfig({ text: `${smscs}routes: [{ prefix: "", smscs: [{ id: a, weight: 0 }] }]\n` })).toThrow(/routes\[0\]\.smscs\[0\]\.weight/);
  });

  it('requires aerospike settings for the aerospike backend', () => {
    expect(() => loadConfig({ text: 'state: { backend: aerospike }' })).toThrow(/state\.aerospike/);
  });

  it('gives the Aerospike pool its defaults and keeps commands in flight within it', () => {
    const base = 'state: { backend: aerospike, aerospike: { hosts: "127.0.0.1:3000", namespace: test';
    const cfg = loadConfig({ text: `${base} } }` });
    expect(cfg.state.aerospike).toMatchObject({ maxConnsPerNode: 100, minConnsPerNode: 0, maxBatch: 200, retries: 6, retryMinMs: 5, retryMaxMs: 500 });
    expect(cfg.state.aerospike?.maxCommandsInFlight).toBeUndefined(); // the store takes half the pool
    expect(() => loadConfig({ text: `${base}, maxConnsPerNode: 50, maxCommandsInFlight: 64 } }` })).toThrow(
      /state\.aerospike\.maxCommandsInFlight/,
    );
    expect(() => loadConfig({ text: `${base}, minConnsPerNode: 200 } }` })).toThrow(/state\.aerospike\.minConnsPerNode/);
    expect(() => loadConfig({ text: `${base}, retryMinMs: 900 } }` })).toThrow(/state\.aerospike\.retryMinMs/);
  });

  it('applies env overrides and ${VAR} secrets', () => {
    const text = 'clients: [{ systemId: acme, password: "${ACME_PW}" }]';
    const cfg = loadConfig({ text, env: { ACME_PW: 's3cret', REDIS_URL: 'redis://r:1', INGRESS_PORT: '3000' } });
    expect(cfg.clients[0].password).toBe('s3cret');
    expect(cfg.redis.url).toBe('redis://r:1');
    expect(cfg.ingress.port).toBe(3000);
    expect(() => loadConfig({ text, env: {} })).toThrow(/clients\.0\.password: environment variable ACME_PW is not set/);
  });

  it('reports invalid YAML and a non-mapping top level', () => {
    expect(() => loadConfig({ text: 'a: [1,' })).toThrow(/not valid YAML/);
    expect(() => loadConfig({ text: '- 1' })).toThrow(/top level must be a mapping/);
  });

  it('checks that a pool rate limit names a pool some route uses', () => {
    const text = 'smscs: [{ id: op1, host: h, port: 1, systemId: gw, password: pw }]\nroutes: [{ prefix: "", smscs: [op1], pool: uk }]\n';
    expect(loadConfig({ text: `${text}limits: { global: 500, pools: { uk: 100 } }` }).limits).toEqual({ global: 500, pools: { uk: 100 } });
    expect(() => loadConfig({ text: `${text}limits: { pools: { fr: 100 } }` })).toThrow(/no route uses pool "fr"\n\s*→ at limits\.pools\.fr/);
  });

  it('validates a client\'s own routes like the global ones', () => {
    const base = 'smscs: [{ id: op1, host: h, port: 1, systemId: gw, password: pw }]\nroutes: [{ prefix: "", smscs: [op1] }]\n';
    const ok = loadConfig({ text: `${base}clients: [{ systemId: vip, password: pw, routes: [{ prefix: "44", smscs: [op1], pool: premium }] }]` });
    expect(ok.clients[0].routes).toEqual([{ prefix: '44', smscs: ['op1'], weights: [1], backup: [], pool: 'premium' }]);
    expect(() => loadConfig({ text: `${base}clients: [{ systemId: vip, password: pw, routes: [{ prefix: "44", smscs: [op9] }] }]` })).toThrow(
      /unknown smsc "op9"\n\s*→ at clients\[0\]\.routes\[0\]\.smscs\[0\]/,
    );
  });

  describe('unknown keys', () => {
    const smsc = '{ id: op1, host: h, port: 1, systemId: gw, password: pw }';
    it.each([
      ['at the top level', 'ingres: { port: 1 }', 'ingres'],
      ['in a section', 'ingress: { tsl: { port: 3550 } }', 'ingress.tsl'],
      ['in a nested section', 'state: { backend: aerospike, aerospike: { hosts: h, namespace: n, pasword: x } }', 'state.aerospike.pasword'],
      ['in a client', 'clients: [{ systemId: acme, password: pw }, { systemId: b, pasword: pw, password: pw }]', 'clients[1].pasword'],
      ['in a client\'s receipts', 'clients: [{ systemId: acme, password: pw, receipts: { multiPart: per-part } }]', 'clients[0].receipts.multiPart'],
      ['in an smsc', `smscs: [{ id: op1, host: h, port: 1, systemId: gw, password: pw, window_size: 10 }]`, 'smscs[0].window_size'],
      ['in an smsc\'s text', `smscs: [{ id: op1, host: h, port: 1, systemId: gw, password: pw, text: { latin: true } }]`, 'smscs[0].text.latin'],
      ['in a route', `smscs: [${smsc}]\nroutes: [{ prefix: "", smscs: [op1], backups: [op1] }]`, 'routes[0].backups'],
      ['in a weighted route smsc', `smscs: [${smsc}]\nroutes: [{ prefix: "", smscs: [{ id: op1, wieght: 2 }] }]`, 'routes[0].smscs[0].wieght'],
      ['in a policy rule', 'policy: { rules: [{ type: max-segments, max: 3, min: 1 }] }', 'policy.rules[0].min'],
      ['in a client policy', 'policy: { clients: { acme: { authorization: { qouta: { day: 1 } } } } }', 'policy.clients.acme.authorization.qouta'],
      ['in journal', 'journal: { maxAge: 1000 }', 'journal.maxAge'],
      ['in delivery.retry', 'delivery: { retry: { max: 10 } }', 'delivery.retry.max'],
      ['in http.ports', 'http: { ports: { ingres: 1 } }', 'http.ports.ingres'],
    ])('are refused %s, naming the key\'s full path', (_, text, path) => {
      expect(() => loadConfig({ text })).toThrow(ConfigError);
      expect(() => loadConfig({ text })).toThrow(new RegExp(`unknown key.*\\n\\s*→ at ${path.replace(/[.[\]]/g, '\\$&')}\\s*$`, 'm'));
    });

    it('lists every unknown key of one object', () => {
      expect(() => loadConfig({ text: 'redis: { uri: x, prefx: y }' })).toThrow(/→ at redis\.uri[\s\S]*→ at redis\.prefx/);
    });
  });

  describe('${NAME} and NAME_FILE secrets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsgw-config-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const secret = (name: string, content: string) => {
      const file = join(dir, name);
      writeFileSync(file, content);
      return file;
    };

    it('refuses a ${…} that is not an upper-case variable name, naming the field', () => {
      const text = 'clients: [{ systemId: acme, password: "${acme_pw}" }]';
      expect(() => loadConfig({ text, env: { acme_pw: 'x' } })).toThrow(ConfigError);
      expect(() => loadConfig({ text, env: { acme_pw: 'x' } })).toThrow(/clients\.0\.password: \$\{acme_pw\} is not a variable reference/);
      expect(() => loadConfig({ text: 'redis: { url: "redis://${}" }' })).toThrow(/redis\.url: \$\{\} is not a variable reference/);
    });

    it('reads ${NAME} from the file NAME_FILE names when NAME is unset, less one trailing newline', () => {
      const text = 'clients: [{ systemId: acme, password: "${ACME_PW}" }, { systemId: b, password: "${B_PW}" }]';
      const cfg = loadConfig({ text, env: { ACME_PW_FILE: secret('acme', 's3cret\n'), B_PW_FILE: secret('b', 'two\n\n') } });
      expect(cfg.clients.map((c) => c.password)).toEqual(['s3cret', 'two\n']);
      // The variable itself wins over its file.
      expect(loadConfig({ text, env: { ACME_PW: 'env', ACME_PW_FILE: secret('acme', 'file'), B_PW: 'b' } }).clients[0].password).toBe('env');
    });

    it('reads an environment override from NAME_FILE', () => {
      const cfg = loadConfig({ env: { S3_SECRET_ACCESS_KEY_FILE: secret('s3', 'from-a-file\r\n'), REDIS_URL_FILE: secret('redis', 'redis://r:2\n') } });
      expect(cfg.s3.secretAccessKey).toBe('from-a-file');
      expect(cfg.redis.url).toBe('redis://r:2');
    });

    it('names the variable when its file cannot be read', () => {
      const text = 'clients: [{ systemId: acme, password: "${ACME_PW}" }]';
      const missing = join(dir, 'nope');
      expect(() => loadConfig({ text, env: { ACME_PW_FILE: missing } })).toThrow(ConfigError);
      expect(() => loadConfig({ text, env: { ACME_PW_FILE: missing } })).toThrow(/clients\.0\.password: cannot read ACME_PW_FILE \(.*nope\)/);
      expect(() => loadConfig({ env: { S3_SECRET_ACCESS_KEY_FILE: missing } })).toThrow(/cannot read S3_SECRET_ACCESS_KEY_FILE/);
    });
  });

  it('the docker config listens on every interface and ships no client password or admin token', () => {
    const adminHash = `sha256:${'0f'.repeat(32)}`;
    const env = { S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's' };
    expect(() => loadConfig({ path: dockerConfig, env: { ...env, SMSGW_ADMIN_TOKEN_HASH: adminHash } })).toThrow(/environment variable SMSGW_CLIENT_PASSWORD is not set/);
    expect(() => loadConfig({ path: dockerConfig, env: { ...env, SMSGW_CLIENT_PASSWORD: 'pw' } })).toThrow(/admin\.tokens\.0\.tokenHash: environment variable SMSGW_ADMIN_TOKEN_HASH is not set/);
    const cfg = loadConfig({ path: dockerConfig, env: { ...env, SMSGW_CLIENT_PASSWORD: 'pw', SMSGW_ADMIN_TOKEN_HASH: adminHash } });
    expect(cfg.ingress.host).toBe('0.0.0.0');
    expect(cfg.http.host).toBe('0.0.0.0');
    expect(cfg.clients.map((c) => c.password)).toEqual(['pw']);
  });

  it('the example config and the embedded defaults keep metrics local and unlabelled by system_id', () => {
    const cfg = loadConfig({ path: exampleConfig, env: { ACME_PASSWORD_HASH: ACME_HASH, OP1_PASSWORD: 'b' } });
    expect(cfg.http).toMatchObject({ host: '127.0.0.1', peerLabels: false });
    expect(cfg.ingress.host).toBe('127.0.0.1');
    const defaults = loadConfig();
    expect(defaults.http).toMatchObject({ host: '127.0.0.1', peerLabels: false });
    expect(defaults.http.metricsToken).toBeUndefined();
    expect(defaults.clients[0]).toMatchObject({ systemId: 'demo', password: 'demo' });
  });
});
