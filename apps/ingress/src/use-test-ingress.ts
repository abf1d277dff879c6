import { afterEach } from 'vitest';
import type { ClientConfig } from '@smsgw/platform';
import { connectTestClient, redisNamespace } from '@smsgw/testing';
import { startTestIngress, type TestIngressOptions } from './test-ingress';

/**
 * For a describe block of ingress tests: `start()` gives a fresh Redis namespace, the ingress
 * on it, and `connect` for clients whose password is `<system_id>pw`; everything started is
 * closed after each test, clients first.
 */
export function useTestIngress(name: string, clients: ClientConfig[], session: TestIngressOptions['session'], extra: Partial<TestIngressOptions> = {}) {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return async function start() {
    const ns = await redisNamespace(name);
    const ing = await startTestIngress({ redisUrl: ns.url, prefix: ns.prefix, clients, session, ...extra });
    cleanups.push(ns.cleanup, ing.close);
    const connect = async (systemId = 'acme', mode: 'transceiver' | 'receiver' = 'transceiver') => {
      const c = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId, password: `${systemId}pw`, mode });
      cleanups.push(() => c.close());
      return c;
    };
    return { ns, ing, connect };
  };
}
