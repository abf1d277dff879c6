import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';

describe('tracing: the OpenTelemetry section', () => {
  it('is off by default, with a 1% head sample and smsgw- service names', () => {
    expect(loadConfig({ text: '' }).tracing).toEqual({ enabled: false, sampleRatio: 0.01, serviceNamePrefix: 'smsgw-', batchDelayMs: 5_000 });
    expect(loadConfig().tracing.enabled).toBe(false);
  });

  it('reads an OTLP endpoint with headers (an env reference for a secret)', () => {
    const cfg = loadConfig({
      text: 'tracing: { enabled: true, sampleRatio: 0.25, otlp: { endpoint: "http://otel-collector:4318", headers: { x-api-key: "${OTLP_KEY}" } } }',
      env: { OTLP_KEY: 's3cret' },
    });
    expect(cfg.tracing).toMatchObject({ enabled: true, sampleRatio: 0.25, otlp: { endpoint: 'http://otel-collector:4318', headers: { 'x-api-key': 's3cret' } } });
  });

  it('names the field: enabled without an endpoint, a non-http endpoint, a ratio outside 0..1, an unknown key', () => {
    expect(() => loadConfig({ text: 'tracing: { enabled: true }' })).toThrow(/required when tracing\.enabled is true[\s\S]*tracing\.otlp\.endpoint/);
    expect(() => loadConfig({ text: 'tracing: { enabled: true, otlp: { endpoint: "grpc://collector:4317" } }' })).toThrow(/OTLP\/HTTP collector[\s\S]*tracing\.otlp\.endpoint/);
    expect(() => loadConfig({ text: 'tracing: { enabled: true, otlp: { endpoint: "not a url" } }' })).toThrow(/tracing\.otlp\.endpoint/);
    expect(() => loadConfig({ text: 'tracing: { sampleRatio: 1.5 }' })).toThrow(/tracing\.sampleRatio/);
    expect(() => loadConfig({ text: 'tracing: { sampleRatio: -0.1 }' })).toThrow(/tracing\.sampleRatio/);
    expect(() => loadConfig({ text: 'tracing: { enabled: true, otlp: { url: "http://c:4318", endpoint: "http://c:4318" } }' })).toThrow(/tracing\.otlp\.url/);
  });

  it('an endpoint configured while tracing is off is valid (turned on later)', () => {
    expect(loadConfig({ text: 'tracing: { otlp: { endpoint: "https://collector.example:4318" } }' }).tracing.enabled).toBe(false);
  });
});
