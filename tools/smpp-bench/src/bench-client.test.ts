import { describe, expect, it } from 'vitest';
import { formatReceiptText, parseReceiptText } from '@smsgw/sms-text';
import { receiptIdStat } from './bench-client';

describe('receiptIdStat', () => {
  const d = new Date(Date.UTC(2026, 4, 7, 8, 9));
  const texts = [
    formatReceiptText({ id: '0000002a', submitDate: d, doneDate: d, stat: 'DELIVRD', err: 0, text: 'Bench message 7 from' }),
    formatReceiptText({ id: '6f1c7d0e-2b8a-4c1e-9a57-0b3e1f2d4c5a', submitDate: d, doneDate: d, stat: 'UNDELIV', err: 1, text: '' }),
    // A text holding another key: parseReceiptText lets the later stat win, the fast path must not guess.
    formatReceiptText({ id: '1', submitDate: d, doneDate: d, stat: 'DELIVRD', err: 0, text: 'see stat:EXPIRED' }),
    'id:abc sub:001 dlvrd:001 submit date:2605070809 done date:2605070809 stat:DELIVRD  err:000 text:x',
    'ID:XYZ SUB:001 DLVRD:001 SUBMIT DATE:2605070809 DONE DATE:2605070809 STAT:ACCEPTD ERR:000 TEXT:x',
    'id:42 stat:REJECTD',
    'garbage',
    '',
  ];
  it('finds what parseReceiptText finds, in any layout', () => {
    for (const t of texts) {
      const full = parseReceiptText(t);
      expect(receiptIdStat(t), t).toEqual({ id: full.id, stat: full.stat });
    }
    expect(receiptIdStat(texts[2]!).stat).toBe('EXPIRED');
    expect(receiptIdStat(texts[0]!)).toEqual({ id: '0000002a', stat: 'DELIVRD' });
  });
});
