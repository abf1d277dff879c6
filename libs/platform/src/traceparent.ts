/**
 * The W3C Trace Context `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header)
 * as stream entries carry it: `00-<trace-id 32 hex>-<parent-id 16 hex>-<flags 2 hex>`. Pure, so
 * stages that only pass it on never load the OpenTelemetry SDK.
 */
export interface TraceParent {
  traceId: string;
  spanId: string;
  /** Bit 0: the trace is sampled (recorded). */
  flags: number;
}

const HEX = /^[0-9a-f]+$/;
const isId = (s: string, len: number) => s.length === len && HEX.test(s) && !/^0+$/.test(s);

/** The parts of a traceparent, or undefined when it is not one (a bad value is ignored, never fatal). */
export function parseTraceparent(value: string): TraceParent | undefined {
  const [version, traceId, spanId, flags, ...rest] = value.split('-');
  if (version === undefined || traceId === undefined || spanId === undefined || flags === undefined) return undefined;
  // §3.2.2.1: version ff is invalid; version 00 has exactly four fields, a later version may add more.
  if (version.length !== 2 || !HEX.test(version) || version === 'ff') return undefined;
  if (version === '00' && rest.length > 0) return undefined;
  if (!isId(traceId, 32) || !isId(spanId, 16) || flags.length !== 2 || !HEX.test(flags)) return undefined;
  return { traceId, spanId, flags: parseInt(flags, 16) };
}

export function formatTraceparent(p: TraceParent): string {
  return `00-${p.traceId}-${p.spanId}-${(p.flags & 0xff).toString(16).padStart(2, '0')}`;
}

export const isSampled = (p: TraceParent): boolean => (p.flags & 0x01) === 0x01;
