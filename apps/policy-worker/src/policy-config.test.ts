import { describe, expect, it } from 'vitest';
import { createPolicyResolver, type PolicySettings } from '@smsgw/domain';
import { loadConfig } from '@smsgw/platform';
import { createPolicySettings } from './policy-settings';

const load = (policy: string) => loadConfig({ text: `clients: [{ systemId: acme, password: pw }]\n${policy}` });

describe('policy config', () => {
  it('without a policy section everything passes: stages on, nothing required, no rules', () => {
    const p = load('').policy;
    expect(p.stages).toEqual({ registration: true, blacklist: true, 'business-rules': true, authorization: true });
    expect(p.registration).toEqual({ senders: false, optIn: false });
    expect(p.rules).toEqual([]);
    const eff = createPolicyResolver(p as PolicySettings)('acme');
    expect(eff).toMatchObject({ requireSender: false, content: [], caps: [], dupWindowMs: 0, maxSegments: Infinity, allowDc: null, allowPrefixes: [] });
  });

  it('reads the rules of the issue, durations in ms', () => {
    const p = load(`policy:
  rules:
    - { type: content-deny, pattern: "casino|lottery", flags: i }
    - { type: quiet-hours, prefixes: ["44"], timezone: Europe/London, from: "21:00", to: "08:00" }
    - { type: frequency-cap, per: recipient, max: 5, window: 1d }
    - { type: duplicate-window, window: 10m }
    - { type: max-segments, max: 6 }
  clients:
    acme: { stages: { blacklist: false }, authorization: { quota: { day: 10 } } }
`).policy;
    expect(p.rules[1]).toMatchObject({ action: 'defer' });
    expect(p.rules[2]).toMatchObject({ window: 86_400_000 });
    expect(p.rules[3]).toMatchObject({ window: 600_000 });
    expect(p.clients.acme!.inheritRules).toBe(true);
  });

  it.each([
    ['a bad regex', '{ type: content-deny, pattern: "(" }', /pattern/],
    ['a backreference (RE2 has none)', '{ type: content-deny, pattern: "(a)\\\\1" }', /RE2.*policy\.rules\[0\]\.pattern/s],
    ['a lookahead (RE2 has none)', '{ type: content-deny, pattern: "win(?!ter)", flags: i }', /RE2.*policy\.rules\[0\]\.pattern/s],
    ['an unknown time zone', '{ type: quiet-hours, timezone: Mars/Base, from: "21:00", to: "08:00" }', /time zone/],
    ['a bad time', '{ type: quiet-hours, timezone: UTC, from: "25:00", to: "08:00" }', /HH:MM/],
    ['a bad duration', '{ type: duplicate-window, window: 10x }', /duration/],
    ['an unknown rule', '{ type: nonsense }', /rules/],
  ])('refuses %s naming the field', (_, rule, msg) => {
    expect(() => load(`policy:\n  rules:\n    - ${rule}\n`)).toThrow(msg);
  });

  it('a reload replaces the rules as a whole', () => {
    const s = createPolicySettings(load('').policy);
    const before = s.resolver();
    expect(before('acme').maxSegments).toBe(Infinity);
    s.replace(load('policy: { rules: [{ type: max-segments, max: 2 }] }').policy);
    expect(s.resolver()('acme').maxSegments).toBe(2);
    expect(before('acme').maxSegments).toBe(Infinity); // a batch holding the old resolver is not changed under it
  });

  it('policy.admin (the lists API before it moved to apps/admin) is an unknown key now, named in the error', () => {
    expect(() => load('policy: { admin: { token: "0123456789abcdef" } }')).toThrow(/policy\.admin|admin/);
  });
});
