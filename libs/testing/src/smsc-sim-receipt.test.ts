import { describe, expect, it } from 'vitest';
import { encodeGsm7, formatReceiptText } from '@smsgw/sms-text';
import { deliveredReceiptText, isGsm7Ascii } from './smsc-sim-receipt';

/** What the simulator did before the fast path: GSM-safe text, the whole receipt through encodeGsm7. */
function reference(id: string, text: string, submitDate: Date, doneDate: Date): Buffer {
  const safe = Array.from(text.slice(0, 40))
    .map((ch) => (encodeGsm7(ch) ? ch : '?'))
    .join('');
  const body = formatReceiptText({ id, submitDate, doneDate, stat: 'DELIVRD', err: 0, text: safe });
  return encodeGsm7(body) ?? Buffer.from(body, 'latin1');
}

describe('receipt text of the simulator', () => {
  it('isGsm7Ascii: only characters whose septet is their ASCII code', () => {
    expect(isGsm7Ascii('Hello, world 123 (ok)? #%&*+-./:;<=>!"\'\r\n')).toBe(true);
    // GSM puts these elsewhere (@ 0x00, $ 0x02, _ 0x11) or in the extension table.
    for (const ch of ['@', '$', '_', '[', '\\', ']', '^', '`', '{', '|', '}', '~', 'é', '€', '\x7f', '\t']) expect(isGsm7Ascii(`a${ch}`), ch).toBe(false);
    expect(isGsm7Ascii('abc$', 3)).toBe(true);
  });

  it('the same octets as encoding the whole text through encodeGsm7', () => {
    const submit = new Date(Date.UTC(2026, 0, 31, 23, 59, 59));
    const done = new Date(Date.UTC(2026, 1, 1, 0, 0, 1));
    const texts = [
      '', 'Hello world', 'Bench message 12345 from smpp-bench', 'exactly twenty chars', 'twenty chars then $ and _',
      'price: 5$ @home_now', 'Long GSM text with € and {braces}', 'Привет, мир! 😀', '😀'.repeat(30), 'a'.repeat(19) + '😀', 'tab\there', 'x'.repeat(300),
    ];
    for (const id of ['0000002a', '0000002A', '42']) {
      for (const text of texts) expect(deliveredReceiptText(id, text, submit, done).equals(reference(id, text, submit, done)), `${id} ${text}`).toBe(true);
    }
  });

  it('a plain text is carried as is, its first 20 characters', () => {
    const d = new Date(Date.UTC(2026, 4, 7, 8, 9));
    expect(deliveredReceiptText('1f', 'Bench message 7 from smpp-bench', d, d).toString('latin1')).toBe(
      'id:1f sub:001 dlvrd:001 submit date:2605070809 done date:2605070809 stat:DELIVRD err:000 text:Bench message 7 from',
    );
  });
});
