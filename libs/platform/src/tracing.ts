import type { Logger } from 'pino';
import type { TracingConfig } from './config-tracing';

/** Span attributes; undefined values are left out. */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/** What the stages record, by the same names in every app. */
export const SPAN_ATTR = {
  messageId: 'smsgw.message_id',
  /** submit_multi: the message_id the client got for all its destinations. */
  clientMessageId: 'smsgw.cid',
  client: 'smsgw.client',
  smsc: 'smsgw.smsc',
  pool: 'smsgw.pool',
  /** What became of the message at this stage (routed, rejected, submitted, DELIVERED…). */
  outcome: 'smsgw.outcome',
  reason: 'smsgw.reason',
  /** The SMPP command_status answered (ours to the client, or the SMSC's/client's to us). */
  commandStatus: 'smpp.command_status',
} as const;

/** OpenTelemetry span kinds by name (this module loads nothing of the SDK). */
export type StageSpanKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal';

/** One stage's span of one message. */
export interface StageSpan {
  /** This span as a W3C traceparent: what the message's next entry carries (its `tp`). */
  readonly tp: string;
  set(attributes: SpanAttributes): void;
  /** Status error, with why. */
  fail(message: string): void;
  end(): void;
}

/**
 * The tracer of an app with `tracing.enabled`. Absent (undefined) when tracing is off: callers
 * check that once per message and create nothing else.
 */
export interface Tracing {
  /** A new trace for a message entering the gateway, when the head sampler (sampleRatio) takes it. */
  root(name: string, kind: StageSpanKind, attributes: SpanAttributes): StageSpan | undefined;
  /**
   * A span continuing the trace of `tp` (the previous stage's span is its parent); undefined when
   * `tp` is no valid traceparent or its trace is not sampled. `startTime` (ms since epoch) when
   * the work began before the parent was known (e.g. read from the state store).
   */
  child(name: string, tp: string, kind: StageSpanKind, attributes: SpanAttributes, startTime?: number): StageSpan | undefined;
  /** Exports what is buffered and stops. */
  close(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK for one app (tracing.enabled): service.name = prefix + app,
 * service.instance.id = instance. The SDK is imported here, on demand, so an app with tracing
 * off never loads it.
 */
export async function startTracing(config: TracingConfig, o: { app: string; instance: string; logger?: Logger }): Promise<Tracing> {
  if (!config.otlp) throw new Error('tracing.otlp.endpoint is required when tracing.enabled is true');
  const { createOtelTracing } = await import('./tracing-sdk');
  return createOtelTracing({ ...config, otlp: config.otlp }, o);
}

/**
 * Ends an SMPP request's span with the status answered: a status other than ESME_ROK (or none:
 * the request threw) marks it failed.
 */
export function endWithStatus(span: StageSpan, status: number | undefined, reason?: string): void {
  if (status !== undefined) span.set({ [SPAN_ATTR.commandStatus]: status });
  if (status !== 0) span.fail(reason ?? (status === undefined ? 'no answer' : `command_status 0x${status.toString(16).padStart(8, '0')}`));
  span.end();
}

/** Runs a stage's work inside its span: a throw fails the span (and goes on up); the span ends either way. */
export async function runInSpan<T>(span: StageSpan, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    span.fail((err as Error).message);
    throw err;
  } finally {
    span.end();
  }
}
