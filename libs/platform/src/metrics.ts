import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The metrics every app exposes; names are shared so one dashboard serves all stages. */
export interface AppMetrics {
  messages: Counter<'stage' | 'outcome'>;
  errors: Counter<'kind'>;
  streamPending: Gauge<'stream'>;
  streamLength: Gauge<'stream'>;
  sessionsBound: Gauge<'side' | 'peer'>;
  latency: Histogram<'stage'>;
  rateEffective: Gauge<'scope'>;
  rateTokens: Counter<'scope' | 'outcome'>;
  storeCommands: Counter<'outcome' | 'code'>;
}

export function createAppMetrics(registry: Registry): AppMetrics {
  return {
    messages: new Counter({
      name: 'smsgw_messages_total',
      help: 'Messages (or receipts) handled, by stage and outcome',
      labelNames: ['stage', 'outcome'],
      registers: [registry],
    }),
    errors: new Counter({ name: 'smsgw_errors_total', help: 'Errors by kind', labelNames: ['kind'], registers: [registry] }),
    streamPending: new Gauge({
      name: 'smsgw_stream_pending',
      help: 'Entries delivered to the consumer group and not acknowledged',
      labelNames: ['stream'],
      registers: [registry],
    }),
    streamLength: new Gauge({ name: 'smsgw_stream_length', help: 'Entries in the stream', labelNames: ['stream'], registers: [registry] }),
    sessionsBound: new Gauge({
      name: 'smsgw_smpp_sessions_bound',
      help: 'SMPP sessions bound, by side (client = ingress binds, smsc = sender binds) and peer',
      labelNames: ['side', 'peer'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'smsgw_stage_latency_seconds',
      help: 'Time from acceptance to the end of the stage',
      labelNames: ['stage'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    rateEffective: new Gauge({
      name: 'smsgw_rate_effective',
      help: 'Effective rate of a limiter scope (tokens = segments/s; lowered while an SMSC throttles)',
      labelNames: ['scope'],
      registers: [registry],
    }),
    rateTokens: new Counter({
      name: 'smsgw_rate_tokens_total',
      help: 'Limiter decisions: tokens granted, requests denied, decisions made without Redis (degraded)',
      labelNames: ['scope', 'outcome'],
      registers: [registry],
    }),
    storeCommands: new Counter({
      name: 'smsgw_store_commands_total',
      help: 'State store commands that failed: retried (transient, sent again) or failed (after every retry), by backend status code',
      labelNames: ['outcome', 'code'],
      registers: [registry],
    }),
  };
}

/** The state store's observer (libs/store StoreObserver), counting into `smsgw_store_commands_total`. */
export function storeObserver(metrics: AppMetrics) {
  const code = (c: number | undefined) => (c === undefined ? 'none' : String(c));
  return {
    retried: (c: number | undefined) => metrics.storeCommands.inc({ outcome: 'retried', code: code(c) }),
    failed: (c: number | undefined) => metrics.storeCommands.inc({ outcome: 'failed', code: code(c) }),
  };
}
