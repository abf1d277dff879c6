import { diag, DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import type { TracingConfig } from './config-tracing';
import { formatTraceparent, isSampled, parseTraceparent } from './traceparent';
import type { SpanAttributes, StageSpan, StageSpanKind, Tracing } from './tracing';

const KINDS: Record<StageSpanKind, SpanKind> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
};

function attributesOf(a: SpanAttributes): Attributes {
  const out: Attributes = {};
  for (const k in a) if (a[k] !== undefined) out[k] = a[k];
  return out;
}

function stageSpan(span: Span): StageSpan | undefined {
  // Not sampled: nothing is recorded and no context is passed on, so later stages skip it too.
  if (!span.isRecording()) return undefined;
  const c = span.spanContext();
  return {
    tp: formatTraceparent({ traceId: c.traceId, spanId: c.spanId, flags: c.traceFlags }),
    set: (a) => void span.setAttributes(attributesOf(a)),
    fail: (message) => void span.setStatus({ code: SpanStatusCode.ERROR, message }),
    end: () => span.end(),
  };
}

/** The OpenTelemetry side of tracing.ts: loaded only by apps with tracing enabled. */
export function createOtelTracing(
  config: TracingConfig & { otlp: NonNullable<TracingConfig['otlp']> },
  o: { app: string; instance: string; logger?: Logger },
): Tracing {
  if (o.logger) {
    // Export failures (collector away) would otherwise be silent.
    const log = o.logger.child({ component: 'otel' });
    diag.setLogger({ error: (m) => log.warn(m), warn: (m) => log.warn(m), info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  }
  const exporter = new OTLPTraceExporter({ url: `${config.otlp.endpoint.replace(/\/+$/, '')}/v1/traces`, headers: config.otlp.headers });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: `${config.serviceNamePrefix}${o.app}`, [ATTR_SERVICE_INSTANCE_ID]: o.instance }),
    // The ratio decides only for new traces (the ingress); a continued trace follows its parent's flag.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: config.batchDelayMs })],
  });
  const tracer = provider.getTracer('smsgw');
  return {
    root: (name, kind, a) => stageSpan(tracer.startSpan(name, { kind: KINDS[kind], attributes: attributesOf(a), root: true })),
    child(name, tp, kind, a, startTime) {
      const p = parseTraceparent(tp);
      if (!p || !isSampled(p)) return undefined;
      const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: p.traceId, spanId: p.spanId, traceFlags: p.flags, isRemote: true });
      return stageSpan(tracer.startSpan(name, { kind: KINDS[kind], attributes: attributesOf(a), startTime }, parent));
    },
    close: () => provider.shutdown(),
  };
}
