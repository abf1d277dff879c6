import { z } from 'zod';
import { poolName } from '@smsgw/domain';
import { smscTextSchema } from './config-text';
import { durationSchema, policySchema } from './config-policy';
import { deliverySchema, smscErrorsSchema } from './config-delivery';
import { journalConfigSchema } from './config-journal';
import { adminConfigSchema } from './config-admin';
import { tracingConfigSchema } from './config-tracing';
import { clientAddressingFields, smscAddressingCheck, smscAddressingFields, smscAddressingIssue } from './config-addressing';
import { cidrSchema, ingressAuthSchema, ingressConnectionsSchema, ingressTlsSchema, passwordHashSchema, smscTlsSchema } from './config-security';

const port = z.number().int().min(0).max(65535);
const ms = z.number().int().min(0);
const bindType = z.enum(['transmitter', 'receiver', 'transceiver']);

/** An SMSC of a route: its id, or `{ id, weight }` (its share of the route's traffic; default 1). */
const routeSmsc = z.union([z.string(), z.strictObject({ id: z.string(), weight: z.number().positive().default(1) })]);

export const routeSchema = z
  .strictObject({
    /** Destination prefix (normalised digits); "" matches everything. Longest prefix wins. */
    prefix: z.string().regex(/^[0-9]*$/, 'digits only'),
    /** The primary SMSCs, sharing the traffic by weight among those with a bound session. */
    smscs: z.array(routeSmsc).min(1),
    /** Used only while no primary has a bound session. */
    backup: z.array(z.string()).default([]),
    pool: z.string().regex(/^[A-Za-z0-9_.-]+$/).optional(),
  })
  .transform((r) => ({
    ...r,
    smscs: r.smscs.map((x) => (typeof x === 'string' ? x : x.id)),
    weights: r.smscs.map((x) => (typeof x === 'string' ? 1 : x.weight)),
  }));

export const clientSchema = z.strictObject({
  systemId: z.string().min(1).max(15),
  /** Plaintext (accepted with a warning at start); prefer passwordHash. */
  password: z.string().min(1).max(8).optional(),
  /** scrypt PHC string of the password (`npm run hash-password`). */
  passwordHash: passwordHashSchema.optional(),
  /** Addresses (CIDR, IPv4/IPv6) this client may bind from; empty: any. */
  allowedIps: z.array(cidrSchema).default([]),
  /** With ingress.tls.requestCert: the subject CN the client certificate of this system_id must carry. */
  certSubject: z.string().min(1).optional(),
  /** This client's messages accepted and not yet sent (every stage); above it its submits get ESME_RMSGQFUL. */
  maxBacklog: z.number().int().min(1).default(100_000),
  bindTypes: z.array(bindType).min(1).default(['transmitter', 'receiver', 'transceiver']),
  /** Most simultaneous binds of this client (all types together). */
  maxBinds: z.number().int().min(1).default(10),
  /** submit_sm per second across every ingress instance; above it ESME_RTHROTTLED. 0 = unlimited. */
  maxSubmitRate: z.number().min(0).default(0),
  /** Put the message text in this client's `accepted` journal records (off: no text is journaled). */
  journalText: z.boolean().default(false),
  /** This client's own routes, tried before the global ones (longest prefix wins within each). */
  routes: z.array(routeSchema).default([]),
  /** Numbers and short codes (digits; a trailing * for a prefix) whose MO messages go to this client. */
  moNumbers: z.array(z.string().regex(/^[0-9]+\*?$/, 'digits, optionally ending in *')).default([]),
  /** How long this client's messages may wait (default and cap of their validity); default delivery.maxAgeMs. */
  maxAgeMs: durationSchema.optional(),
  /** National numbers → E.164 (defaultCountryCode, trunkPrefix) and idempotent resubmission (config-addressing.ts). */
  ...clientAddressingFields,
  receipts: z
    .strictObject({
      /** A message sent in several parts: one receipt for the whole message, or one per part. */
      multipart: z.enum(['aggregate', 'per-part']).default('aggregate'),
      /** An aggregated receipt goes out this long after the first part's, even if parts are missing (UNKNOWN). */
      aggregateTimeoutMs: z.number().int().min(1).default(24 * 3600 * 1000),
    })
    .prefault({}),
}).refine((c) => (c.password === undefined) !== (c.passwordHash === undefined), {
  message: 'exactly one of password or passwordHash is required',
  path: ['password'],
});

export const smscSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
  host: z.string().min(1),
  port: port,
  systemId: z.string().min(1).max(15),
  password: z.string().max(8),
  systemType: z.string().max(12).default(''),
  sessions: z.number().int().min(1).max(64).default(1),
  window: z.number().int().min(1).max(10_000).default(100),
  /** Segments per second for the whole SMSC link across its sessions; 0 = unlimited. */
  throughput: z.number().min(0).default(0),
  /**
   * How this SMSC writes message ids: in submit_sm_resp and in receipts (some SMSCs answer in
   * decimal and report in hex). 'text' compares them as text (case and leading zeros folded).
   */
  ids: z
    .strictObject({ submit: z.enum(['text', 'dec', 'hex']).default('text'), receipt: z.enum(['text', 'dec', 'hex']).default('text') })
    .prefault({}),
  enquireLinkMs: ms.default(30_000),
  responseTimeoutMs: ms.min(100).default(30_000),
  reconnectMinMs: ms.default(500),
  reconnectMaxMs: ms.default(30_000),
  /** A message not submitted to this SMSC within this time of its acceptance (or schedule) ends EXPIRED. */
  maxAgeMs: durationSchema.optional(),
  /** Time to open the TCP connection of a session. */
  connectTimeoutMs: ms.min(100).default(5_000),
  /** §7.2 inactivity timer: close a session that received nothing this long (0 = off; enquire_link answers count). */
  inactivityMs: ms.default(300_000),
  /** Requests from this SMSC (deliver_sm, data_sm) read and not yet answered; above it the socket is not read. */
  incomingWindow: z.number().int().min(1).max(100_000).default(1_000),
  /**
   * The command each part goes in: submit_sm (§4.4), or data_sm (§4.7: text in message_payload,
   * validity as qos_time_to_live) for SMSCs that want it. Its data_sm_resp counts as submit_sm_resp.
   */
  submitWith: z.enum(['submit_sm', 'data_sm']).default('submit_sm'),
  /** submit_sm_resp statuses this SMSC means otherwise than SMPP's defaults (see "Delivery"). */
  errors: smscErrorsSchema.prefault({}),
  text: smscTextSchema.prefault({}),
  /** The link over TLS (absent: plain TCP). */
  tls: smscTlsSchema.optional(),
  /** How numbers go to this SMSC: addressFormat, countryCode, trunkPrefix (config-addressing.ts). */
  ...smscAddressingFields,
}).refine(smscAddressingCheck, smscAddressingIssue);


const httpPorts = z.strictObject({
  ingress: port.default(9101),
  'policy-worker': port.default(9102),
  sender: port.default(9103),
  'dlr-worker': port.default(9104),
  'journal-exporter': port.default(9105),
});

export const gatewayConfigSchema = z
  .strictObject({
    redis: z
      .strictObject({
        url: z.string().default('redis://127.0.0.1:6379'),
        /**
         * Seed nodes (`host:port`) of a Redis Cluster. When set, the apps connect to the cluster
         * and `url` is not used; a cluster that does not answer fails readiness, never falls back.
         */
        cluster: z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port')).min(1).optional(),
        prefix: z.string().regex(/^[A-Za-z0-9_:.-]+$/).default('smsgw'),
        commandTimeoutMs: ms.min(100).default(5_000),
      })
      .prefault({}),
    state: z
      .strictObject({
        backend: z.enum(['redis', 'aerospike']).default('redis'),
        ttlSeconds: z.number().int().min(0).default(7 * 24 * 3600),
        aerospike: z
          .strictObject({
            hosts: z.string().min(1),
            namespace: z.string().min(1),
            setPrefix: z.string().default('smsgw'),
            user: z.string().optional(),
            password: z.string().optional(),
            timeoutMs: ms.min(1).default(1_000),
            connectTimeoutMs: ms.min(1).optional(),
            // The client's async pool per node; a command over it fails at once (ERR_NO_MORE_CONNECTIONS).
            maxConnsPerNode: z.number().int().min(1).default(100),
            minConnsPerNode: z.number().int().min(0).default(0),
            // Store commands (a batch counts as one) in flight per process; default: half the pool.
            maxCommandsInFlight: z.number().int().min(1).optional(),
            maxBatch: z.number().int().min(1).max(5_000).default(200),
            retries: z.number().int().min(0).max(20).default(6),
            retryMinMs: ms.min(1).default(5),
            retryMaxMs: ms.min(1).default(500),
          })
          .refine((a) => (a.maxCommandsInFlight ?? 1) <= a.maxConnsPerNode, {
            message: 'must not exceed maxConnsPerNode: each command in flight holds a connection',
            path: ['maxCommandsInFlight'],
          })
          .refine((a) => a.minConnsPerNode <= a.maxConnsPerNode, {
            message: 'must not exceed maxConnsPerNode',
            path: ['minConnsPerNode'],
          })
          .refine((a) => a.retryMinMs <= a.retryMaxMs, { message: 'must not exceed retryMaxMs', path: ['retryMinMs'] })
          .optional(),
      })
      .prefault({})
      .refine((s) => s.backend !== 'aerospike' || s.aerospike, {
        message: 'state.aerospike { hosts, namespace } is required when state.backend is aerospike',
        path: ['aerospike'],
      }),
    /** Absent endpoint: the embedded S3-compatible server (s3rver) is used. */
    s3: z
      .strictObject({
        endpoint: z.string().optional(),
        region: z.string().default('us-east-1'),
        accessKeyId: z.string().default('S3RVER'),
        secretAccessKey: z.string().default('S3RVER'),
        forcePathStyle: z.boolean().default(true),
        requestTimeoutMs: ms.default(10_000),
        buckets: z.strictObject({ proxy: z.string().default('proxy'), mcp: z.string().default('mcp') }).prefault({}),
        embedded: z.strictObject({ dir: z.string().default('var/s3'), port: port.default(4569) }).prefault({}),
      })
      .prefault({}),
    journal: journalConfigSchema.prefault({}),
    ingress: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        port: port.default(2775),
        tls: ingressTlsSchema.optional(),
        /**
         * The plain port sits behind a load balancer that starts each connection with a PROXY
         * header (HAProxy send-proxy / send-proxy-v2): the client's address it gives is the one
         * lockouts, allowedIps, perAddress and logs use. Connections without one are closed, so
         * the port must be reachable from the balancer only.
         */
        proxyProtocol: z.boolean().default(false),
        auth: ingressAuthSchema.prefault({}),
        connections: ingressConnectionsSchema.prefault({}),
        /** Requests of one session read but not yet answered; above it the socket is not read. */
        window: z.number().int().min(1).default(100),
        /** §7.2 session_init_timer: a connection that has not bound by then is closed (cannot be off). */
        sessionInitMs: ms.min(1_000).max(120_000).default(30_000),
        enquireLinkMs: ms.default(30_000),
        inactivityMs: ms.default(300_000),
        responseTimeoutMs: ms.min(100).default(30_000),
        /** Unprocessed entries of `in` above which submits get ESME_RMSGQFUL. */
        maxBacklog: z.number().int().min(1).default(500_000),
        /** Receipts sent to one bind and not yet answered. */
        receiptWindow: z.number().int().min(1).default(50),
        /**
         * How long a client's first submit waits for more of its submits before they are
         * written to `in` together (0: each turn of the event loop on its own). Below saturation
         * every stage then works in groups: at 1,000 msg/s, 3 ms cost ~17% less CPU per message
         * for ~1 ms more submit_sm_resp latency (docs/benchmarks.md).
         */
        acceptLingerMs: ms.max(50).default(3),
      })
      .prefault({}),
    streams: z
      .strictObject({
        batchSize: z.number().int().min(1).max(10_000).default(200),
        blockMs: ms.min(1).default(1_000),
        /**
         * After a read that came back short of batchSize, a stage reads again no sooner than this
         * (0 = at once): below saturation what arrives meanwhile is handled as one batch, at
         * saturation batches are full and nothing waits. Adds up to this much latency per stage.
         */
        readLingerMs: ms.max(100).default(10),
        claimIdleMs: ms.min(100).default(30_000),
        maxDeliveries: z.number().int().min(1).default(10),
        /** Bounds of each client's receipt stream: older or excess receipts are journaled and removed. */
        receiptMaxLen: z.number().int().min(1).default(1_000_000),
        receiptMaxAgeMs: ms.min(1_000).default(72 * 3600 * 1000),
      })
      .prefault({}),
    /** Parts of a message the client concatenated itself (UDH or SAR) wait this long for each other. */
    delivery: deliverySchema.prefault({}),
    concat: z
      .strictObject({
        timeoutMs: ms.min(100).default(60_000),
        /** Open (incomplete) groups per client; a new one beyond it sends the client's oldest on early. */
        maxOpenGroups: z.number().int().min(1).default(10_000),
      })
      .prefault({}),
    dlr: z
      .strictObject({
        /** How long a receipt whose submit mapping is not stored yet keeps being retried. */
        orphanAfterMs: ms.default(120_000),
        retryDelayMs: ms.min(10).default(1_000),
      })
      .prefault({}),
    http: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        ports: httpPorts.prefault({}),
        /** When set, /metrics answers only `Authorization: Bearer <token>`. */
        metricsToken: z.string().min(16).optional(),
        /** Label metrics with each client's system_id (off: one `peer="client"` series). */
        peerLabels: z.boolean().default(false),
      })
      .prefault({}),
    admin: adminConfigSchema.prefault({}),
    tracing: tracingConfigSchema.prefault({}),
    log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
    /**
     * Rate limits beyond each SMSC link's `throughput` (segments/s across every sender; 0 =
     * unlimited): one per pool, and a global cap over all traffic.
     */
    limits: z
      .strictObject({
        global: z.number().min(0).default(0),
        pools: z.record(z.string(), z.number().min(0)).default({}),
        /**
         * The Redis of the L2 buckets (links, pools, global, clients' maxSubmitRate): a `url` or
         * a Redis Cluster's seed nodes, as in `redis:`; absent: the main Redis. A dedicated one
         * keeps limiter traffic off the streams' Redis, and its outage only stops the limits'
         * grants (the floor), not the rest of the pipeline.
         */
        redis: z
          .strictObject({
            url: z.string().min(1).optional(),
            cluster: z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port')).min(1).optional(),
          })
          .refine((r) => r.url !== undefined || r.cluster !== undefined, { message: 'set url or cluster', path: ['url'] })
          .optional(),
      })
      .prefault({}),
    clients: z.array(clientSchema).default([]),
    smscs: z.array(smscSchema).default([]),
    routes: z.array(routeSchema).default([]),
    policy: policySchema.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const ids = new Set<string>();
    cfg.smscs.forEach((s, i) => {
      if (ids.has(s.id)) ctx.addIssue({ code: 'custom', message: `duplicate smsc id "${s.id}"`, path: ['smscs', i, 'id'] });
      ids.add(s.id);
    });
    const clientIds = new Set<string>();
    cfg.clients.forEach((c, i) => {
      if (clientIds.has(c.systemId))
        ctx.addIssue({ code: 'custom', message: `duplicate client "${c.systemId}"`, path: ['clients', i, 'systemId'] });
      clientIds.add(c.systemId);
    });
    const pools = new Set(allRoutes(cfg).map((r) => poolName(r)));
    for (const pool of Object.keys(cfg.limits.pools)) {
      if (!pools.has(pool)) ctx.addIssue({ code: 'custom', message: `no route uses pool "${pool}"`, path: ['limits', 'pools', pool] });
    }
    const checkRoute = (r: RouteConfig, path: (string | number)[]) => {
      // A route whose own fields failed is seen here untransformed: its entries' errors are reported already.
      if (!r.smscs.every((id) => typeof id === 'string')) return;
      r.smscs.forEach((id, j) => {
        if (!ids.has(id)) ctx.addIssue({ code: 'custom', message: `unknown smsc "${id}"`, path: [...path, 'smscs', j] });
      });
      r.backup.forEach((id, j) => {
        if (!ids.has(id)) ctx.addIssue({ code: 'custom', message: `unknown smsc "${id}"`, path: [...path, 'backup', j] });
        else if (r.smscs.includes(id)) ctx.addIssue({ code: 'custom', message: `smsc "${id}" is a primary of this route already`, path: [...path, 'backup', j] });
      });
    };
    cfg.clients.forEach((c, ci) => c.routes.forEach((r, i) => checkRoute(r, ['clients', ci, 'routes', i])));
    cfg.routes.forEach((r, i) => checkRoute(r, ['routes', i]));
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** Every route of the config: the global ones and each client's own (their pools all need a sender). */
export function allRoutes<R>(cfg: { routes: readonly R[]; clients: ReadonlyArray<{ routes: readonly R[] }> }): R[] {
  return [...cfg.routes, ...cfg.clients.flatMap((c) => c.routes)];
}
export type ClientConfig = z.infer<typeof clientSchema>;
export type SmscConfig = z.infer<typeof smscSchema>;
export type RouteConfig = z.infer<typeof routeSchema>;
export type AppName = keyof z.infer<typeof httpPorts>;
