import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';

export type ReadinessCheck = () => Promise<void> | void;

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

export function createMetricsRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  return registry;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Whether the request carries `Authorization: Bearer <token>`. Both sides are hashed first so
 * the comparison is constant-time whatever the lengths (timingSafeEqual needs equal lengths).
 */
function hasBearer(req: IncomingMessage, token: string): boolean {
  const m = /^Bearer +(.+)$/i.exec(req.headers.authorization ?? '');
  return timingSafeEqual(digest(m?.[1] ?? ''), digest(token)) && m !== null;
}

/**
 * /healthz (the process runs), /readyz (every readiness check passes: 503 with the failing
 * check's message otherwise) and /metrics (Prometheus text format) on the app's own port.
 * With a metricsToken, /metrics answers 401 without `Authorization: Bearer <token>` (metrics
 * name clients and SMSCs); /healthz and /readyz stay open for orchestrator probes.
 */
export async function startOpsServer(opts: {
  host: string;
  port: number;
  registry: Registry;
  checks: Record<string, ReadinessCheck>;
  metricsToken?: string;
}): Promise<OpsServer> {
  const server: Server = createServer(async (req, res) => {
    try {
      const url = (req.url ?? '/').split('?')[0];
      if (url === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (url === '/readyz') {
        const failures: string[] = [];
        for (const [name, check] of Object.entries(opts.checks)) {
          try {
            await check();
          } catch (err) {
            failures.push(`${name}: ${(err as Error).message}`);
          }
        }
        if (failures.length) res.writeHead(503, { 'content-type': 'text/plain' }).end(failures.join('\n') + '\n');
        else res.writeHead(200, { 'content-type': 'text/plain' }).end('ready\n');
      } else if (url === '/metrics') {
        if (opts.metricsToken !== undefined && !hasBearer(req, opts.metricsToken)) {
          res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('unauthorized\n');
          return;
        }
        const body = await opts.registry.metrics();
        res.writeHead(200, { 'content-type': opts.registry.contentType }).end(body);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  return listenHttp(server, opts.port, opts.host);
}

/** Listens (port 0 = any free port) and returns the port and a close that drops kept-alive connections. */
export async function listenHttp(server: Server, port: number, host: string): Promise<OpsServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
