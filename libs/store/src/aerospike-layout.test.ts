import * as Aerospike from 'aerospike';
import { describe, expect, it } from 'vitest';
import {
  AS_STATUS,
  AS_TRANSIENT,
  CORR_BINS,
  MAX_BIN_NAME,
  MSG_BINS,
  STATS_BINS,
  aerospikeSets,
  corrKey,
  indexKey,
  isRetryable,
  mapWriteError,
  parseMessageBins,
  recordTtl,
  statsKey,
} from './aerospike-layout';

describe('aerospike layout', () => {
  it('keeps every bin name within the 15-character limit and unique per set', () => {
    for (const bins of [Object.values(MSG_BINS), Object.values(CORR_BINS), [...STATS_BINS]]) {
      for (const b of bins) expect(b.length, b).toBeLessThanOrEqual(MAX_BIN_NAME);
      expect(new Set(bins).size).toBe(bins.length);
    }
  });

  it('names sets and keys', () => {
    expect(aerospikeSets('smsgw')).toEqual({ msg: 'smsgw_msg', corr: 'smsgw_corr', stats: 'smsgw_stats', idx: 'smsgw_idx' });
    expect(indexKey('acme', '447700900123')).toBe('acme:447700900123');
    expect(corrKey('smsc-a', '0A1B')).toBe('smsc-a:0A1B');
    expect(statsKey('2024-03-01', 'acme', 'smsc-a', 7)).toBe('2024-03-01:acme:smsc-a:7');
  });

  it('uses the status codes of the client library', () => {
    expect(AS_STATUS).toEqual({
      RECORD_NOT_FOUND: Aerospike.status.ERR_RECORD_NOT_FOUND,
      RECORD_GENERATION: Aerospike.status.ERR_RECORD_GENERATION,
      RECORD_EXISTS: Aerospike.status.ERR_RECORD_EXISTS,
      TIMEOUT: Aerospike.status.ERR_TIMEOUT,
      RECORD_BUSY: Aerospike.status.ERR_RECORD_BUSY,
      DEVICE_OVERLOAD: Aerospike.status.ERR_DEVICE_OVERLOAD,
      FAIL_FORBIDDEN: Aerospike.status.ERR_FAIL_FORBIDDEN,
      FILTERED_OUT: Aerospike.status.FILTERED_OUT,
    });
    expect(AS_TRANSIENT).toEqual({
      ASYNC_CONNECTION: Aerospike.status.ERR_ASYNC_CONNECTION,
      NO_MORE_CONNECTIONS: Aerospike.status.ERR_NO_MORE_CONNECTIONS,
      INVALID_NODE: Aerospike.status.ERR_INVALID_NODE,
      CONNECTION: Aerospike.status.ERR_CONNECTION,
      ASYNC_QUEUE_FULL: Aerospike.status.ERR_ASYNC_QUEUE_FULL,
      MAX_ERROR_RATE: Aerospike.status.MAX_ERROR_RATE,
      CLUSTER_CHANGE: Aerospike.status.ERR_CLUSTER_CHANGE,
      CLUSTER: Aerospike.status.ERR_CLUSTER,
      RECORD_BUSY: Aerospike.status.ERR_RECORD_BUSY,
      DEVICE_OVERLOAD: Aerospike.status.ERR_DEVICE_OVERLOAD,
    });
  });

  it('maps ttl 0 to never-expire', () => {
    expect(recordTtl(0)).toBe(-1);
    expect(recordTtl(3600)).toBe(3600);
  });

  it('explains a TTL refused for lack of nsup-period', () => {
    const forbidden = Object.assign(new Error('Operation not allowed at this time'), { code: 22 });
    const mapped = mapWriteError(forbidden, 'test', 3600) as Error;
    expect(mapped.message).toMatch(/nsup-period/);
    expect(mapped.message).toMatch(/ttl 0/);
    expect(mapped.cause).toBe(forbidden);
    // With ttl 0 there is no TTL to blame, and other errors pass through untouched.
    expect(mapWriteError(forbidden, 'test', 0)).toBe(forbidden);
    const other = Object.assign(new Error('x'), { code: 4 });
    expect(mapWriteError(other, 'test', 3600)).toBe(other);
  });

  it('retries busy keys always, timeouts only when safe', () => {
    const err = (code: number, inDoubt?: boolean) => Object.assign(new Error('e'), { code, inDoubt });
    expect(isRetryable(err(14), false)).toBe(true);
    expect(isRetryable(err(18), false)).toBe(true);
    expect(isRetryable(err(9, true), false)).toBe(false);
    expect(isRetryable(err(9, false), false)).toBe(true);
    expect(isRetryable(err(9, true), true)).toBe(true);
    expect(isRetryable(err(3), true)).toBe(false);
    // The pool exhausted, the command queue full, a node backing off: never sent, always retried.
    for (const code of [-7, -11, -14, 7, 11]) expect(isRetryable(err(code, false), false), String(code)).toBe(true);
    // A connection that broke after the write went out: only an idempotent command goes again.
    expect(isRetryable(err(-10, true), false)).toBe(false);
    expect(isRetryable(err(-10, true), true)).toBe(true);
    expect(isRetryable(err(5), true)).toBe(false); // RECORD_EXISTS is an answer, not a failure
    expect(isRetryable(new Error('plain'), true)).toBe(false);
  });

  it('parses a message record whether maps come as objects or as Map', () => {
    const asObject = {
      sys: 'acme', src: '1', dst: '2', rd: 1, st: 'SUBMITTED', pool: 'de', smsc: 'a', n: 3, ca: 10, ua: 30,
      tm: { ACCEPTED: 10, ROUTED: 20, SUBMITTED: 30 },
      ps: { '1': 'DELIVERED' },
      sid: { '0': 'X0', '1': 'X1', '2': 'X2' },
    };
    const asMap = {
      ...asObject,
      tm: new Map(Object.entries(asObject.tm)),
      ps: new Map([[1, 'DELIVERED']]),
      sid: new Map(Object.entries(asObject.sid)),
    };
    const expected = {
      id: 'u1', sys: 'acme', src: '1', dst: '2', rd: 1, state: 'SUBMITTED', pool: 'de', smsc: 'a', parts: 3, segments: 3,
      partStates: [null, 'DELIVERED', null], smscIds: ['X0', 'X1', 'X2'],
      times: { ACCEPTED: 10, ROUTED: 20, SUBMITTED: 30 }, createdAt: 10, updatedAt: 30,
    };
    expect(parseMessageBins('u1', asObject)).toEqual(expected);
    expect(parseMessageBins('u1', asMap)).toEqual(expected);
    // A submit_multi destination keeps the client's message_id; other records have none.
    expect(parseMessageBins('u1', { ...asObject, cid: 'c1' })).toEqual({ ...expected, cid: 'c1' });
    // The client's data_coding and the SMSC's, where written (records from before have neither: see above).
    expect(parseMessageBins('u1', { ...asObject, dc: 8, sdc: 0 })).toEqual({ ...expected, dc: 8, sdc: 0 });
    // The SMSC's own form of a part's id, where it differs from the normalised one.
    expect(parseMessageBins('u1', { ...asObject, rid: { '1': '0X1' } })).toEqual({ ...expected, rawSmscIds: [null, '0X1', null] });
    expect(parseMessageBins('u1', { ...asMap, rid: new Map([['1', '0X1']]) })).toEqual({ ...expected, rawSmscIds: [null, '0X1', null] });
  });
});
