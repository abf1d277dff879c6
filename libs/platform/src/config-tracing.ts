import { z } from 'zod';

/**
 * `tracing:` OpenTelemetry spans of each message's way through the stages, exported over
 * OTLP/HTTP (JSON). Off by default: then no SDK is loaded and no stream entry carries a trace
 * context. The ingress makes the sampling decision per message (`sampleRatio`); every later
 * stage continues a trace only when the message's entry carries one.
 */
function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export const tracingConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    otlp: z
      .strictObject({
        /** Base URL of an OTLP/HTTP collector (e.g. http://otel-collector:4318); spans go to <endpoint>/v1/traces. */
        endpoint: z.string().refine(isHttpUrl, 'an http(s) URL of an OTLP/HTTP collector, e.g. http://otel-collector:4318'),
        /** Sent with every export (e.g. an API key: `${OTLP_TOKEN}`). */
        headers: z.record(z.string(), z.string()).default({}),
      })
      .optional(),
    /** Share of messages traced, decided once at the ingress (0 = none, 1 = every message). */
    sampleRatio: z.number().min(0).max(1).default(0.01),
    /** service.name of each app's spans: this prefix + the app name (`smsgw-ingress`…). */
    serviceNamePrefix: z.string().default('smsgw-'),
    /** Finished spans wait this long in memory to be exported in one request (OTel's scheduledDelayMillis). */
    batchDelayMs: z.number().int().min(10).max(60_000).default(5_000),
  })
  .refine((t) => !t.enabled || t.otlp !== undefined, {
    message: 'required when tracing.enabled is true (where spans are exported to)',
    path: ['otlp', 'endpoint'],
  });

export type TracingConfig = z.infer<typeof tracingConfigSchema>;
