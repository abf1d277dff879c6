import { describe, expect, it } from 'vitest';
import { formatTraceparent, isSampled, parseTraceparent } from './traceparent';

// The W3C Trace Context examples (https://www.w3.org/TR/trace-context/#examples-of-http-traceparent-headers).
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('traceparent', () => {
  it('parses and formats a sampled and an unsampled context', () => {
    const sampled = parseTraceparent(`00-${TRACE}-${SPAN}-01`);
    expect(sampled).toEqual({ traceId: TRACE, spanId: SPAN, flags: 1 });
    expect(isSampled(sampled!)).toBe(true);
    const unsampled = parseTraceparent(`00-${TRACE}-${SPAN}-00`)!;
    expect(isSampled(unsampled)).toBe(false);
    expect(formatTraceparent(sampled!)).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN, flags: 0x0 })).toBe(`00-${TRACE}-${SPAN}-00`);
  });

  it('round-trips any valid context', () => {
    const v = `00-${'a1'.repeat(16)}-${'0b'.repeat(8)}-03`;
    expect(formatTraceparent(parseTraceparent(v)!)).toBe(v);
  });

  it('refuses what is not a traceparent: all-zero ids, wrong lengths, upper case, version ff, extra fields in version 00', () => {
    for (const bad of [
      '',
      'garbage',
      `00-${'0'.repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE.slice(1)}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}0-01`,
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-1`,
      `00-${TRACE}-${SPAN}-zz`,
      `ff-${TRACE}-${SPAN}-01`,
      `0-${TRACE}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-01-extra`,
    ]) expect(parseTraceparent(bad), bad).toBeUndefined();
  });

  it('reads a later version by its first four fields (§3.2.4: forward compatibility)', () => {
    expect(parseTraceparent(`cc-${TRACE}-${SPAN}-01-what-the-future-adds`)).toEqual({ traceId: TRACE, spanId: SPAN, flags: 1 });
  });
});
