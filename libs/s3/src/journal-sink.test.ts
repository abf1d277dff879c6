import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipChunks, journalObjectKey, statsObjectKey, toNdjson } from './journal-sink';

describe('journalObjectKey', () => {
  const range = { first: '1700000000000-0', last: '1700000000999-3' };

  it('partitions by UTC day and hour', () => {
    // 23:30 at UTC-2 is 01:30 UTC the next day.
    const at = new Date('2024-03-01T23:30:00-02:00');
    expect(journalObjectKey('events', 'exp-1', range, at)).toBe(
      'events/v1/dt=2024-03-02/hour=01/exp-1-1700000000000-0-1700000000999-3.ndjson.gz',
    );
  });

  it('is the same for the same batch within the hour, so a re-upload overwrites', () => {
    const a = journalObjectKey('events', 'exp-1', range, new Date('2024-03-02T01:00:00Z'));
    const b = journalObjectKey('events', 'exp-1', range, new Date('2024-03-02T01:59:59.999Z'));
    expect(a).toBe(b);
    expect(journalObjectKey('events', 'exp-2', range, new Date('2024-03-02T01:00:00Z'))).not.toBe(a);
  });

  it('refuses segments that would change the partition layout', () => {
    expect(() => journalObjectKey('a/b', 'exp', range, new Date())).toThrow(RangeError);
    expect(() => journalObjectKey('events', 'exp/1', range, new Date())).toThrow(RangeError);
    expect(() => journalObjectKey('events', 'exp', { first: '../x', last: '1-0' }, new Date())).toThrow(RangeError);
  });
});

describe('toNdjson', () => {
  it('writes one JSON document per line', () => {
    expect(toNdjson([{ a: 1 }, { b: 'x\ny' }])).toBe('{"a":1}\n{"b":"x\\ny"}\n');
  });
});

describe('statsObjectKey', () => {
  it('names a period by its UTC start and length only', () => {
    expect(statsObjectKey(new Date('2024-03-01T07:55:00Z'), 5)).toBe('stats/v1/dt=2024-03-01/hour=07/20240301T0755Z-5m.json');
    expect(() => statsObjectKey(new Date(), 0)).toThrow(RangeError);
  });
});

describe('gzipChunks', () => {
  it('gives the bytes gzip gives the whole, however the input is cut', async () => {
    // NDJSON-like text (repetitive) with random parts, larger than zlib's window and buffers.
    const lines = Array.from({ length: 20_000 }, (_, i) => `{"v":1,"eid":"${randomBytes(8).toString('hex')}:final:0:0","ts":${1_700_000_000_000 + i},"sys":"acme"}\n`);
    const whole = Buffer.from(lines.join(''));
    const expected = gzipSync(whole, { level: 3 });
    for (const size of [997, 16_384, 65_537, 1 << 20]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < whole.length; i += size * (1 + (i % 3))) chunks.push(whole.subarray(i, Math.min(whole.length, i + size * (1 + (i % 3)))));
      expect((await gzipChunks(chunks, { level: 3 })).equals(expected), `chunks of ~${size}`).toBe(true);
    }
  });
});
