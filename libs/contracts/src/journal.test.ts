import { describe, expect, it } from 'vitest';
import { expandJournalEntry, journalBucket, journalKind, journalRecordSchema } from './journal';

describe('journal entries', () => {
  it('expand to full v1 records: eid, bucket and app derived from the event', () => {
    const routed = expandJournalEntry({ ts: 1, ev: 'routed', id: 'u1', sys: 'acme', pool: 'p' });
    expect(routed).toEqual({ v: 1, eid: 'u1:routed:0:0', bucket: 'mcp', app: 'policy-worker', ts: 1, ev: 'routed', id: 'u1', sys: 'acme', pool: 'p' });
    expect(journalRecordSchema.parse(routed)).toEqual(routed);
    const part = expandJournalEntry({ ts: 2, ev: 'receipt', id: 'u1', part: 2 });
    expect(part).toMatchObject({ eid: 'u1:receipt:2:0', bucket: 'proxy', app: 'dlr-worker' });
  });
  it('keeps the client message_id of a submit_multi destination on `accepted` (grouping its destinations)', () => {
    const accepted = expandJournalEntry({ ts: 4, ev: 'accepted', id: 'd1', cid: 'c1', sys: 'acme', dst: '447700900001' });
    expect(journalRecordSchema.parse(accepted)).toMatchObject({ eid: 'd1:accepted:0:0', id: 'd1', cid: 'c1' });
  });
  it('audit records of the admin API: app admin, mcp bucket, audit objects; who/what/before/after kept', () => {
    const entry = { ts: 5, ev: 'audit' as const, eid: 'audit:7f1c', who: 'ops-alice', role: 'operator', action: 'dead_letter.replay', target: 'dead:1-0', before: { deliveries: 11 }, after: { id: '2-0' } };
    const rec = expandJournalEntry(entry);
    expect(journalRecordSchema.parse(rec)).toEqual({ v: 1, bucket: 'mcp', app: 'admin', ...entry });
    expect(journalKind('audit')).toBe('audit');
    expect(journalBucket('audit')).toBe('mcp');
    expect([journalKind('accepted'), journalKind('log')]).toEqual(['events', 'logs']);
  });
  it('keeps what a producer set itself', () => {
    const e = expandJournalEntry({ ts: 3, ev: 'dead_lettered', eid: 'x:dead_lettered:0:0', app: 'sender' });
    expect(e).toMatchObject({ eid: 'x:dead_lettered:0:0', app: 'sender', bucket: 'proxy' });
  });
});
