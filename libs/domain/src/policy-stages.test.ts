import { describe, expect, it } from 'vitest';
import { evaluatePolicy, POLICY_REASONS, type PolicyFacts, type PolicyInput } from './policy';
import { effectivePolicy, emptyPolicySettings, type PolicySettings } from './policy-rules';

const input = (o: Partial<PolicyInput> = {}): PolicyInput => ({ sys: 'acme', src: 'ACME', dst: '447700900123', dc: 0, text: 'hello', segments: 1, pool: 'sim', now: Date.parse('2026-07-01T12:00:00Z'), ...o });
const run = (s: PolicySettings, facts: PolicyFacts = {}, i = input()) => evaluatePolicy({ input: i, policy: effectivePolicy(s, i.sys), facts });

describe('MCP stages', () => {
  it('nothing configured: every message passes with nothing to count', () => {
    expect(run(emptyPolicySettings())).toEqual({ pass: true });
  });

  it('reason codes are distinct and fit the 3-digit err: field', () => {
    const codes = Object.values(POLICY_REASONS).map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.every((c) => c > 0 && c < 1000)).toBe(true);
  });

  it('registration: sender and opt-in, when required', () => {
    const s = { ...emptyPolicySettings(), registration: { senders: true, optIn: true } };
    expect(run(s, { senderRegistered: false, optedIn: true })).toMatchObject({ pass: false, stage: 'registration', reason: 'sender-not-registered', code: 201 });
    expect(run(s, { senderRegistered: true, optedIn: false })).toMatchObject({ reason: 'recipient-not-opted-in', code: 202 });
    expect(run(s, { senderRegistered: true, optedIn: true })).toEqual({ pass: true });
  });

  it('blacklist: destination, sender, opt-out', () => {
    const s = emptyPolicySettings();
    expect(run(s, { destinationBlacklisted: true })).toMatchObject({ stage: 'blacklist', reason: 'destination-blacklisted', code: 211 });
    expect(run(s, { senderBlocked: true })).toMatchObject({ reason: 'sender-blocked', code: 212 });
    expect(run(s, { optedOut: true })).toMatchObject({ reason: 'recipient-opted-out', code: 213 });
  });

  it('the first rejection wins: registration before blacklist', () => {
    const s = { ...emptyPolicySettings(), registration: { senders: true, optIn: false } };
    expect(run(s, { senderRegistered: false, destinationBlacklisted: true })).toMatchObject({ stage: 'registration' });
  });

  it('a stage switched off per client passes', () => {
    const s: PolicySettings = { ...emptyPolicySettings(), clients: { acme: { stages: { blacklist: false }, registration: {}, rules: [], inheritRules: true, authorization: {} } } };
    expect(run(s, { destinationBlacklisted: true })).toEqual({ pass: true });
    expect(run({ ...s, stages: { ...s.stages, blacklist: false }, clients: {} }, { destinationBlacklisted: true })).toEqual({ pass: true });
  });

  it('business rules: content, quiet hours (reject and defer), segments, data coding', () => {
    const base = emptyPolicySettings();
    const s = (rules: PolicySettings['rules']) => ({ ...base, rules });
    expect(run(s([{ type: 'content-deny', pattern: 'casino', flags: 'i', keywords: [] }]), {}, input({ text: 'Casino!' }))).toMatchObject({ stage: 'business-rules', reason: 'content-denied', code: 221 });
    const night = { type: 'quiet-hours' as const, prefixes: ['44'], timezone: 'Europe/London', from: '21:00', to: '08:00' };
    const late = input({ now: Date.parse('2026-07-01T22:00:00Z') });
    expect(run(s([{ ...night, action: 'reject' }]), {}, late)).toMatchObject({ reason: 'quiet-hours', code: 222 });
    expect(run(s([{ ...night, action: 'defer' }]), {}, late)).toMatchObject({ reason: 'quiet-hours', deferUntil: Date.parse('2026-07-02T07:00:00Z') });
    expect(run(s([{ ...night, action: 'reject' }]))).toEqual({ pass: true });
    expect(run(s([{ type: 'max-segments', max: 2 }]), {}, input({ segments: 3 }))).toMatchObject({ reason: 'too-many-segments', code: 225 });
    expect(run(s([{ type: 'data-coding', allow: [0] }]), {}, input({ dc: 8 }))).toMatchObject({ reason: 'data-coding-not-allowed', code: 226 });
  });

  it('business rules hand caps and the duplicate window to the counting step', () => {
    const s = { ...emptyPolicySettings(), rules: [{ type: 'frequency-cap' as const, per: 'recipient' as const, max: 5, window: 3_600_000 }, { type: 'duplicate-window' as const, window: 600_000 }] };
    expect(run(s)).toEqual({ pass: true, counting: { caps: [{ max: 5, windowMs: 3_600_000 }], dupWindowMs: 600_000 } });
  });

  it('authorization: destination prefix, pool, quotas to count', () => {
    const s = { ...emptyPolicySettings(), authorization: { prefixes: ['33'], pools: ['fr'], quota: { day: 10, month: 0, timezone: 'UTC' } } };
    expect(run(s)).toMatchObject({ stage: 'authorization', reason: 'destination-not-allowed', code: 231 });
    expect(run(s, {}, input({ dst: '33612345678' }))).toMatchObject({ reason: 'route-not-allowed', code: 232 });
    expect(run(s, {}, input({ dst: '33612345678', pool: 'fr' }))).toEqual({ pass: true, counting: { quota: { day: 10, month: 0, timezone: 'UTC' } } });
  });
});
