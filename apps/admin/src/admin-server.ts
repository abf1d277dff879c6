import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { streamNames, type StreamNames } from '@smsgw/contracts';
import type { ClientConfig, GatewayConfig, Logger, ReadinessCheck } from '@smsgw/platform';
import { clientsOf, readClients, type Redis } from '@smsgw/redis';
import type { StateStore } from '@smsgw/store';
import { createTokenVerifier, roleAtLeast, type Access, type Principal } from './auth';
import { AdminError, codeOfStatus } from './errors';
import { createAuditLog, type AuditLog } from './audit';
import { registerHealthRoutes } from './routes/health';
import { registerWhoamiRoute } from './routes/whoami';
import { registerStreamRoutes } from './routes/streams';
import { registerOverviewRoute } from './routes/overview';
import { registerConsoleRoutes } from './routes/console';
import { registerMessageRoutes } from './routes/messages';
import { registerDeadLetterRoutes } from './routes/dead-letters';
import { registerLinkRoutes } from './routes/links';
import { registerClientRoutes } from './routes/clients';
import { registerListRoutes } from './routes/lists';
import { registerPolicyRoutes } from './routes/policy';
import { registerRouteTestRoute } from './routes/route-test';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least a caller must be: every route declares it (checked when the route is added). */
    access?: Access;
  }
  interface FastifyRequest {
    /** The caller, once the bearer token checked out; null on public routes. */
    principal: Principal | null;
  }
}

export type AdminApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

export interface AdminServerDeps {
  config: GatewayConfig;
  redis: Redis;
  store: StateStore;
  /** /readyz: each must resolve (Redis ping, state store ping). */
  checks: Record<string, ReadinessCheck>;
  logger?: Logger;
  now?: () => number;
  /** The clients in force; default: the config file's with the run-time ones of Redis over them (client-registry.ts). */
  clients?: () => readonly ClientConfig[] | Promise<readonly ClientConfig[]>;
}

/** What the route files get: the deps, the stream names and the audit log. */
export interface RouteDeps extends AdminServerDeps {
  names: StreamNames;
  audit: AuditLog;
  now: () => number;
  clients: () => Promise<readonly ClientConfig[]>;
}

/** `a.b.c` of a validation issue's `/b/c` path within the request part `a` (querystring, params…). */
const fieldOf = (context: string | undefined, instancePath: string) => [context ?? 'request', ...instancePath.split('/').filter(Boolean)].join('.');

/**
 * The admin API as a Fastify app (not listening: main.ts listens, tests inject). Stateless:
 * everything it shows or changes is in Redis and the state store, so any number of instances
 * can run. Requests carry `Authorization: Bearer <token>`; the token's sha256 must be one of
 * `admin.tokens`, whose role must reach the route's `config.access`.
 */
export async function createAdminServer(deps: AdminServerDeps): Promise<AdminApp> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger } : { logger: false }),
    // Probes every few seconds would drown the log: changes, refusals and failures are logged instead.
    disableRequestLogging: true,
  }).withTypeProvider<ZodTypeProvider>() as unknown as AdminApp;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // Default deny: a route without a declared access level is a programming error, found at start.
  app.addHook('onRoute', (route) => {
    if (!route.config?.access) throw new Error(`admin route ${String(route.method)} ${route.url} declares no config.access`);
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'smsgw admin API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    // The zod schemas as JSON Schema, plus each route's security and the least role it needs.
    transform: (doc) => {
      const out = jsonSchemaTransform(doc);
      const access = doc.route.config?.access;
      if (access && access !== 'public') out.schema = { ...out.schema, security: [{ bearer: [] }], 'x-min-role': access } as typeof out.schema;
      return out;
    },
  });

  const verify = createTokenVerifier(deps.config.admin.tokens);
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    const access = req.routeOptions.config.access;
    if (access === 'public') return;
    // Unknown routes too: without a valid token nobody learns which paths exist.
    const who = verify(req.headers.authorization);
    // The same answer for a missing, malformed or unknown token: no hint which.
    if (!who) throw new AdminError('unauthorized', 'a valid bearer token is required');
    req.principal = who;
    if (req.is404) return;
    if (!access || !roleAtLeast(who.role, access)) {
      throw new AdminError('forbidden', `this needs the ${access ?? 'admin'} role; token "${who.name}" is ${who.role}`);
    }
  });

  app.setErrorHandler((err, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const message = err.validation.map((v) => `${fieldOf(err.validationContext, v.instancePath)}: ${v.message}`).join('; ');
      return reply.code(400).send({ error: 'invalid_request', message });
    }
    if (err instanceof AdminError) {
      if (err.code === 'unauthorized') reply.header('www-authenticate', 'Bearer');
      if (err.code === 'unauthorized' || err.code === 'forbidden') {
        req.log.info({ remoteAddress: req.ip, method: req.method, url: req.url.split('?')[0], who: req.principal?.name }, `admin request refused (${err.code})`);
      }
      return reply.code(err.status).send({ error: err.code, message: err.message });
    }
    const status = typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'admin request failed');
      return reply.code(500).send({ error: 'internal', message: 'internal error (see the admin app log)' });
    }
    return reply.code(status).send({ error: codeOfStatus(status), message: (err as Error).message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));

  const names = streamNames(deps.config.redis.prefix);
  const now = deps.now ?? Date.now;
  const clients = deps.clients ?? (async () => clientsOf(await readClients(deps.redis, deps.config.redis.prefix, deps.config.clients)));
  const routeDeps: RouteDeps = { ...deps, names, now, audit: createAuditLog(deps.redis, names.journal, now), clients: async () => clients() };
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
  registerHealthRoutes(app, routeDeps);
  registerWhoamiRoute(app);
  registerStreamRoutes(app, routeDeps);
  registerOverviewRoute(app, routeDeps);
  registerConsoleRoutes(app);
  registerMessageRoutes(app, routeDeps);
  registerDeadLetterRoutes(app, routeDeps);
  registerLinkRoutes(app, routeDeps);
  registerClientRoutes(app, routeDeps);
  registerListRoutes(app, routeDeps);
  registerPolicyRoutes(app, routeDeps);
  registerRouteTestRoute(app, routeDeps);
  await app.ready();
  return app;
}
