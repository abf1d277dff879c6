import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an OTLP/HTTP JSON export carries it, flattened with its resource's service. */
export interface ReceivedSpan {
  service: string;
  instance?: string;
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  attributes: Record<string, string | number | boolean>;
  /** 0 unset, 1 ok, 2 error (OTLP Status.StatusCode). */
  statusCode: number;
  statusMessage?: string;
  startMs: number;
}

export interface OtlpReceiver {
  /** Base URL to give as `tracing.otlp.endpoint` (the exporter posts to <url>/v1/traces). */
  url: string;
  spans(): ReceivedSpan[];
  /** Headers of the last export. */
  lastHeaders(): Record<string, string | string[] | undefined>;
  /** Resolves once `pred` holds for the spans received, or rejects after `timeoutMs`. */
  waitFor(pred: (spans: ReceivedSpan[]) => boolean, timeoutMs: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };
type ExportRequest = {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{ spans?: Array<{
      traceId: string; spanId: string; parentSpanId?: string; name: string; kind?: number;
      startTimeUnixNano: string | number; attributes?: KeyValue[]; status?: { code?: number; message?: string };
    }> }>;
  }>;
};

const valueOf = (v: AnyValue): string | number | boolean =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue ?? '';
const attrs = (kvs: KeyValue[] = []) => Object.fromEntries(kvs.map((kv) => [kv.key, valueOf(kv.value)]));

/**
 * A minimal OpenTelemetry collector for tests: accepts OTLP/HTTP JSON exports (POST /v1/traces,
 * what @opentelemetry/exporter-trace-otlp-http sends) and keeps every span. Anything else is
 * answered 404 (protobuf: 415), so an exporter misconfigured for another encoding shows up.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  let headers: Record<string, string | string[] | undefined> = {};
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') return void res.writeHead(404).end();
      if (!String(req.headers['content-type']).startsWith('application/json')) return void res.writeHead(415).end();
      headers = req.headers;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest;
      for (const rs of body.resourceSpans ?? []) {
        const resource = attrs(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            received.push({
              service: String(resource['service.name']),
              instance: resource['service.instance.id'] as string | undefined,
              name: s.name,
              kind: s.kind ?? 0,
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              attributes: attrs(s.attributes),
              statusCode: s.status?.code ?? 0,
              statusMessage: s.status?.message,
              startMs: Number(BigInt(s.startTimeUnixNano) / 1_000_000n),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...received],
    lastHeaders: () => headers,
    async waitFor(pred, timeoutMs) {
      const end = Date.now() + timeoutMs;
      while (!pred(received)) {
        if (Date.now() > end) throw new Error(`spans not received in ${timeoutMs} ms; got: ${received.map((s) => `${s.service}/${s.name}`).join(', ') || 'none'}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return [...received];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
