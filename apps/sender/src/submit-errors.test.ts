import { describe, expect, it } from 'vitest';
import { classifySubmitStatus, createSubmitErrorTable } from './submit-errors';

describe('submit_sm_resp classification', () => {
  it('slows the link for throttling and queue full, retries temporary errors', () => {
    for (const s of [0x58, 0x14]) expect(classifySubmitStatus(s)).toBe('throttle');
    for (const s of [0x08, 0x64, 0x45]) expect(classifySubmitStatus(s)).toBe('retry');
  });
  it('treats bind-state errors and generic_nack as session faults', () => {
    expect(classifySubmitStatus(0x04)).toBe('session');
    expect(classifySubmitStatus(0x03, 'generic_nack')).toBe('session');
  });
  it('ends the rest permanently', () => {
    for (const s of [0x0b, 0x0a, 0x01, 0x62, 0xff]) expect(classifySubmitStatus(s)).toBe('permanent');
  });
  it('lets an SMSC table move any status to another class', () => {
    const t = createSubmitErrorTable({ retry: [0x0b, 0x401], permanent: [0x45], throttle: [0x08] });
    expect(t(0x0b)).toBe('retry'); // this SMSC answers RINVDSTADR for a number it cannot reach yet
    expect(t(0x401)).toBe('retry'); // vendor-specific
    expect(t(0x45)).toBe('permanent');
    expect(t(0x08)).toBe('throttle');
    expect(t(0x58)).toBe('throttle'); // untouched defaults stay
    expect(t(0x0a)).toBe('permanent');
  });
});
