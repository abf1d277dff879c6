import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
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
});
