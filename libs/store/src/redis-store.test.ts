import { describe, expect, it } from 'vitest';
import { BATCH_LUA, PART_FINAL_FIELDS, TRANSITION_LUA } from './redis-scripts';
import { parseMessageHash, parsePartFinalReply, redisStoreKeys } from './redis-store';
import { forwardSteps } from './transition-rules';

describe('redis store layout', () => {
  it('keeps all keys of one message under one hash tag', () => {
    const k = redisStoreKeys('gw');
    expect(k.msg('u1')).toBe('gw:{msg:u1}');
    expect(k.corr('smsc-a', 'X1')).toBe('gw:corr:{smsc-a:X1}');
    expect(k.stats('2024-03-01', 'acme', 'smsc-a')).toBe('gw:stats:{2024-03-01:acme:smsc-a}');
  });

  it('embeds the forward steps of contracts in the scripts as one string, not a table built per call', () => {
    expect(forwardSteps()).toContain('ACCEPTED>ROUTED');
    expect(forwardSteps()).not.toContain('SUBMITTED>ROUTED');
    expect(forwardSteps().some((s) => s.startsWith('DELIVERED>'))).toBe(false);
    // BATCH_LUA carries the submit and part-final bodies.
    for (const lua of [TRANSITION_LUA, BATCH_LUA]) {
      expect(lua).toContain(`local ALLOWED = '|${forwardSteps().join('|')}|'`);
      expect(lua).not.toMatch(/\['[A-Z_]+>[A-Z_]+'\]=true/);
    }
  });

  it('reads the part-final reply: the receipt\'s fields, then each part\'s final state and SMSC id', () => {
    const fixed: Record<(typeof PART_FINAL_FIELDS)[number], string | null> = {
      sys: 'acme', src: '1', dst: '2', rd: '1', st: 'SUBMITTED', n: '3', sg: null, ca: '10', ua: '40', smsc: 'a',
      err: null, cid: 'c1', tp: null, 't:SUBMITTED': '30',
    };
    const parts = ['DELIVERED', 'X0', null, 'X1', 'EXPIRED', null];
    expect(parsePartFinalReply('u1', [...PART_FINAL_FIELDS.map((f) => fixed[f]), ...parts])).toEqual({
      id: 'u1', cid: 'c1', sys: 'acme', src: '1', dst: '2', rd: 1, state: 'SUBMITTED', smsc: 'a', parts: 3, segments: 3,
      partStates: ['DELIVERED', null, 'EXPIRED'], smscIds: ['X0', 'X1', null],
      times: { SUBMITTED: 30 }, createdAt: 10, updatedAt: 40,
    });
  });

  it('parses the message hash, parts included', () => {
    const rec = parseMessageHash('u1', {
      sys: 'acme', src: '1', dst: '2', rd: '1', st: 'SUBMITTED', n: '2', ca: '10', ua: '30', smsc: 'a',
      't:ACCEPTED': '10', 't:SUBMITTED': '30', 'p:1': 'DELIVERED', 's:0': 'X0', 's:1': 'X1',
    });
    expect(rec).toEqual({
      id: 'u1', sys: 'acme', src: '1', dst: '2', rd: 1, state: 'SUBMITTED', smsc: 'a', parts: 2, segments: 2,
      partStates: [null, 'DELIVERED'], smscIds: ['X0', 'X1'],
      times: { ACCEPTED: 10, SUBMITTED: 30 }, createdAt: 10, updatedAt: 30,
    });
    // The data_codings, where written (the hash above, from before they were kept, has neither).
    expect(parseMessageHash('u1', { st: 'SUBMITTED', n: '1', dc: '8', sdc: '0' })).toMatchObject({ dc: 8, sdc: 0 });
    expect(parseMessageHash('u1', { st: 'SUBMITTED', n: '2', 's:0': 'a', 's:1': 'b', 'r:1': '0B' })).toMatchObject({ smscIds: ['a', 'b'], rawSmscIds: [null, '0B'] });
  });
});
