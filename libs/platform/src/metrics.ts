import { Counter, Gauge, Histogram, type GaugeConfiguration, type LabelValues, type Registry } from 'prom-client';

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
  linkSending: Gauge<'peer'>;
  submitResponse: Histogram<'command'>;
  smscRoundTrip: Histogram<'peer'>;
  receiptDelay: Histogram<'peer'>;
  clientSubmits: Counter<'client' | 'outcome'>;
}

type PeerLabels = LabelValues<'side' | 'peer'>;

/**
 * smsgw_smpp_sessions_bound whose client-side series all carry `peer="client"`: system_ids are
 * not published to whoever scrapes /metrics, and the series count stays fixed however many
 * clients there are. SMSC-side series keep the smsc id (our own upstreams, a fixed set).
 * Callers keep passing the system_id; the label is replaced here.
 */
class ClientPeerGauge extends Gauge<'side' | 'peer'> {
  private static anon(labels: PeerLabels | number | undefined): PeerLabels | number | undefined {
    return typeof labels === 'object' && labels.side === 'client' && labels.peer !== undefined ? { ...labels, peer: 'client' } : labels;
  }
  override inc(labels?: PeerLabels | number, value?: number): void {
    super.inc(ClientPeerGauge.anon(labels) as PeerLabels, value);
  }
  override dec(labels?: PeerLabels | number, value?: number): void {
    super.dec(ClientPeerGauge.anon(labels) as PeerLabels, value);
  }
  override set(labels: PeerLabels | number, value?: number): void {
    super.set(ClientPeerGauge.anon(labels) as PeerLabels, value as number);
  }
}

export interface AppMetricsOptions {
  /** http.peerLabels: client-side `peer` labels carry the system_id (off: the constant "client"). */
  peerLabels?: boolean;
}

export function createAppMetrics(registry: Registry, opts: AppMetricsOptions = {}): AppMetrics {
  const sessionsBound: GaugeConfiguration<'side' | 'peer'> = {
    name: 'smsgw_smpp_sessions_bound',
    help: 'SMPP sessions bound, by side (client = ingress binds, smsc = sender binds) and peer',
    labelNames: ['side', 'peer'],
    registers: [registry],
  };
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
    sessionsBound: opts.peerLabels ? new Gauge(sessionsBound) : new ClientPeerGauge(sessionsBound),
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
    submitResponse: new Histogram({
      name: 'smsgw_submit_response_seconds',
      help: 'Ingress: from a submit (submit_sm, data_sm, submit_multi) coming in to its response going out',
      labelNames: ['command'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    smscRoundTrip: new Histogram({
      name: 'smsgw_smsc_round_trip_seconds',
      help: 'Sender: from a submit to an SMSC to its response, per link',
      labelNames: ['peer'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    receiptDelay: new Histogram({
      name: 'smsgw_submit_to_receipt_seconds',
      help: 'dlr-worker: from the SMSC acknowledging a message to its final receipt, per SMSC',
      labelNames: ['peer'],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400],
      registers: [registry],
    }),
    clientSubmits: new Counter({
      name: 'smsgw_client_submits_total',
      help: 'Ingress, only with http.peerLabels: submits per client system_id and outcome (accepted, status_<n>)',
      labelNames: ['client', 'outcome'],
      registers: [registry],
    }),
    linkSending: new Gauge({
      name: 'smsgw_link_sending',
      help: 'Per SMSC link: 1 while operators let it send (active), 0 while suspended or draining (sender only)',
      labelNames: ['peer'],
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
