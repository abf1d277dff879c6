import { streamNames, type StreamNames } from '@smsgw/contracts';
import { hashAdminToken, loadConfig, type AdminRole, type GatewayConfig } from '@smsgw/platform';
import { pingRedis, type Redis, type RedisTarget } from '@smsgw/redis';
import { createRedisStateStore, type StateStore } from '@smsgw/store';
import { createAdminServer, type AdminApp } from './admin-server';

/** Test tokens, one per role: random-looking and long enough for hashAdminToken. */
export const TOKENS: Record<AdminRole, string> = {
  viewer: 'viewer-token-0123456789abcdef',
  operator: 'operator-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
};

export const bearer = (role: AdminRole) => ({ authorization: `Bearer ${TOKENS[role]}` });

export interface AdminFixture {
  app: AdminApp;
  config: GatewayConfig;
  store: StateStore;
  names: StreamNames;
  close(): Promise<void>;
}

/**
 * The admin server over a test's Redis namespace, with the Redis state store under the same
 * prefix: two clients (acme, beta), one SMSC whose ids are decimal in submit_sm_resp and hex in
 * receipts, routes with pools `sim` and `bulk`, one token per role; `extraYaml` adds sections
 * (a `policy`, say).
 */
export async function startAdmin(ns: { redis: Redis; prefix: string; target: RedisTarget }, extraYaml = '', opts: { now?: () => number } = {}): Promise<AdminFixture> {
  const tokens = (Object.keys(TOKENS) as AdminRole[]).map((role) => `{ name: ops-${role}, tokenHash: "${hashAdminToken(TOKENS[role])}", role: ${role} }`);
  const config = loadConfig({
    text: `
redis: { prefix: "${ns.prefix}" }
clients: [{ systemId: acme, password: pw }, { systemId: beta, password: pw }]
smscs: [{ id: sim, host: 127.0.0.1, port: 1, systemId: gw, password: gw, ids: { submit: dec, receipt: hex } }]
routes: [{ prefix: "44", smscs: [sim], pool: bulk }, { prefix: "", smscs: [sim] }]
admin: { tokens: [${tokens.join(', ')}] }
${extraYaml}`,
  });
  const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
  const app = await createAdminServer({
    config,
    redis: ns.redis,
    store,
    checks: { redis: () => pingRedis(ns.redis, ns.target, 2_000), store: () => store.ping() },
    ...(opts.now ? { now: opts.now } : {}),
  });
  return {
    app,
    config,
    store,
    names: streamNames(ns.prefix),
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}
