import { describe, expect, it } from 'vitest';
import {
  compileContentRule,
  contentDenied,
  dataCodingAllowed,
  effectivePolicy,
  emptyPolicySettings,
  listCandidates,
  quietHoursHit,
  tooManySegments,
  type PolicySettings,
} from './policy-rules';
import { compileContentPattern, CONTENT_SCAN_MAX_CHARS } from './content-pattern';
import { parseHhmm } from './quiet-hours';

describe('content-deny', () => {
  it('matches a regex with its flags', () => {
    const res = compileContentRule({ type: 'content-deny', pattern: 'casino|lottery', flags: 'i', keywords: [] });
    expect(contentDenied('Win at the CASINO tonight', res)).not.toBeNull();
    expect(contentDenied('Your code is 1234', res)).toBeNull();
  });

  it('matches keywords as whole words or phrases, case-insensitively, Unicode-aware', () => {
    const res = compileContentRule({ type: 'content-deny', flags: '', keywords: ['win', 'free money', 'gewinn'] });
    expect(contentDenied('You WIN!', res)).not.toBeNull();
    expect(contentDenied('winter is coming', res)).toBeNull();
    expect(contentDenied('get Free Money now', res)).not.toBeNull();
    expect(contentDenied('Gewinnspiel', res)).toBeNull();
    expect(contentDenied('Ihr Gewinn: 5€', res)).not.toBeNull();
    expect(contentDenied('a.b+c', compileContentRule({ type: 'content-deny', flags: '', keywords: ['b+c'] }))).not.toBeNull();
  });

  it('never matches binary content', () => {
    expect(contentDenied(null, compileContentRule({ type: 'content-deny', pattern: '.', flags: '', keywords: [] }))).toBeNull();
  });
});

describe('content-deny on hostile text (RE2)', () => {
  const evil = compileContentRule({ type: 'content-deny', pattern: '(\\w+\\s?)+$', flags: '', keywords: [] });

  // A backtracking engine needs ≈0.3 s for 25 such characters, doubling with each one more.
  it('(\\w+\\s?)+$ on 30 KB of text completes', { timeout: 5_000 }, () => {
    // 30 KB, with a non-word character where the scan window ends (its `$`).
    const text = 'aa '.repeat(3_333) + '!' + 'aa '.repeat(6_700);
    expect(contentDenied(text, evil)).toBeNull();
    expect(contentDenied('only words here', evil)).not.toBeNull();
    // The matcher itself, without the scan cap, on the whole 34 K characters of a long message.
    expect(compileContentPattern('(\\w+\\s?)+$', '').test('a '.repeat(17_000) + '!')).toBe(false);
  });

  it(`rules look at the first ${CONTENT_SCAN_MAX_CHARS} characters only`, () => {
    const deny = compileContentRule({ type: 'content-deny', pattern: 'casino', flags: 'i', keywords: ['lottery'] });
    expect(contentDenied(`${'x'.repeat(CONTENT_SCAN_MAX_CHARS - 6)}CASINO`, deny)).not.toBeNull();
    expect(contentDenied(`${'x'.repeat(CONTENT_SCAN_MAX_CHARS - 5)}CASINO`, deny)).toBeNull();
    expect(contentDenied(`${'x '.repeat(CONTENT_SCAN_MAX_CHARS)}lottery`, deny)).toBeNull();
  });

  it('flags i m s map onto RE2', () => {
    expect(compileContentPattern('^b.c$', 'ms').test('a\nb\nc')).toBe(true);
    expect(compileContentPattern('^b.c$', 'm').test('a\nb\nc')).toBe(false);
    expect(compileContentPattern('ÄPFEL', 'i').test('äpfel')).toBe(true);
  });

  it('refuses what RE2 cannot run: backreferences, lookaround', () => {
    expect(() => compileContentPattern('(a)\\1', '')).toThrow(/RE2/);
    expect(() => compileContentPattern('win(?!ter)', '')).toThrow(/RE2/);
  });
});

describe('quiet-hours rule', () => {
  const night = { prefixes: ['44'], timezone: 'Europe/London', from: parseHhmm('21:00'), to: parseHhmm('08:00'), action: 'defer' as const };
  const t = Date.parse('2026-07-01T22:00:00Z'); // 23:00 in London
  it('applies only to its prefixes', () => {
    expect(quietHoursHit('447700900123', t, [night])).toEqual({ until: Date.parse('2026-07-02T07:00:00Z'), action: 'defer' });
    expect(quietHoursHit('33612345678', t, [night])).toBeNull();
  });
  it('a reject rule wins over a defer rule', () => {
    expect(quietHoursHit('447700900123', t, [night, { ...night, action: 'reject' }])?.action).toBe('reject');
  });
});

describe('max-segments and data-coding', () => {
  it('rejects above the limit only', () => {
    expect(tooManySegments(6, 6)).toBe(false);
    expect(tooManySegments(7, 6)).toBe(true);
    expect(tooManySegments(100, Infinity)).toBe(false);
  });
  it('allows listed data codings; no rule allows every one', () => {
    expect(dataCodingAllowed(8, new Set([0, 8]))).toBe(true);
    expect(dataCodingAllowed(4, new Set([0, 8]))).toBe(false);
    expect(dataCodingAllowed(4, null)).toBe(true);
  });
});

describe('list candidates', () => {
  it('asks for the address, each prefix with * and * alone, upper-cased', () => {
    expect(listCandidates('4479')).toEqual(['4479', '*', '4*', '44*', '447*']);
    expect(listCandidates('Acme')).toEqual(['ACME', '*', 'A*', 'AC*', 'ACM*']);
  });
});

describe('effective policy of a client', () => {
  const settings: PolicySettings = {
    ...emptyPolicySettings(),
    rules: [
      { type: 'max-segments', max: 6 },
      { type: 'data-coding', allow: [0, 3, 8] },
      { type: 'frequency-cap', per: 'recipient', max: 5, window: 86_400_000 },
    ],
    clients: {
      strict: {
        stages: { blacklist: false },
        registration: { senders: true },
        rules: [{ type: 'max-segments', max: 3 }, { type: 'data-coding', allow: [0, 8, 4] }, { type: 'duplicate-window', window: 600_000 }],
        inheritRules: true,
        authorization: { prefixes: ['44'], quota: { day: 100 } },
      },
      own: { stages: {}, registration: {}, rules: [], inheritRules: false, authorization: {} },
    },
  };
  it('is the global settings for a client not listed', () => {
    const p = effectivePolicy(settings, 'other');
    expect(p.stages.blacklist).toBe(true);
    expect(p.maxSegments).toBe(6);
    expect(p.requireSender).toBe(false);
    expect(p.caps).toEqual([{ max: 5, windowMs: 86_400_000 }]);
  });
  it('overrides switches and settings, adds rules, narrows limits', () => {
    const p = effectivePolicy(settings, 'strict');
    expect(p.stages).toEqual({ registration: true, blacklist: false, 'business-rules': true, authorization: true });
    expect(p.requireSender).toBe(true);
    expect(p.maxSegments).toBe(3);
    expect([...p.allowDc!].sort()).toEqual([0, 8]);
    expect(p.dupWindowMs).toBe(600_000);
    expect(p.allowPrefixes).toEqual(['44']);
    expect(p.quota).toEqual({ day: 100, month: 0, timezone: 'UTC' });
  });
  it('drops the global rules with inheritRules: false', () => {
    const p = effectivePolicy(settings, 'own');
    expect(p.maxSegments).toBe(Infinity);
    expect(p.caps).toEqual([]);
    expect(p.allowDc).toBeNull();
  });
});
