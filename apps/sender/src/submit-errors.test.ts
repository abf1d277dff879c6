import { describe, expect, it } from 'vitest';
import { classifySubmitStatus } from './submit-errors';

describe('submit_sm_resp classification', () => {
  it('retries throttling and temporary errors', () => {
    for (const s of [0x58, 0x14, 0x08, 0x64, 0x45]) expect(classifySubmitStatus(s)).toBe('temporary');
  });
  it('treats bind-state errors and generic_nack as session faults', () => {
    expect(classifySubmitStatus(0x04)).toBe('session');
    expect(classifySubmitStatus(0x03, 'generic_nack')).toBe('session');
  });
  it('fails the rest permanently', () => {
    for (const s of [0x0b, 0x0a, 0x01, 0x62, 0xff]) expect(classifySubmitStatus(s)).toBe('permanent');
  });
});
