import { describe, expect, it } from 'vitest';
import { encodeGsm7, encodeLatin1, encodeUcs2, packSeptets } from '@smsgw/sms-text';
import { replacementText } from './replace-text';

describe('replace_sm text for the SMSC (its data_coding is the original submit\'s)', () => {
  it('writes a client\'s UCS-2 text in the GSM 7-bit the SMSC got, packed where the SMSC takes it so', () => {
    expect(replacementText(encodeUcs2('New text {1}'), 0x08, 0x00)).toEqual({ ok: true, sm: encodeGsm7('New text {1}') });
    expect(replacementText(encodeUcs2('New text'), 0x08, 0x00, { gsmPacked: true })).toEqual({ ok: true, sm: packSeptets(encodeGsm7('New text')!) });
  });

  it('writes GSM, Latin-1 and UCS-2 texts in what the SMSC kept', () => {
    expect(replacementText(encodeGsm7('è à é')!, 0x00, 0x08)).toEqual({ ok: true, sm: encodeUcs2('è à é') });
    expect(replacementText(encodeLatin1('Grüße')!, 0x03, 0x03)).toEqual({ ok: true, sm: encodeLatin1('Grüße') });
    expect(replacementText(Buffer.from('plain'), 0x01, 0x00)).toEqual({ ok: true, sm: encodeGsm7('plain') });
  });

  it('refuses a text the SMSC\'s data_coding cannot carry, or that needs more than one message', () => {
    expect(replacementText(encodeUcs2('Привет'), 0x08, 0x00)).toEqual({ ok: false, reason: 'the new text cannot be written in data_coding 0x00, which the SMSC keeps' });
    expect(replacementText(encodeUcs2('x'.repeat(161)), 0x08, 0x00)).toEqual({ ok: false, reason: 'the new text needs 161 septets; one message holds 160' });
    // Extension characters cost two septets each.
    expect(replacementText(encodeUcs2('€'.repeat(81)), 0x08, 0x00)).toMatchObject({ ok: false, reason: expect.stringContaining('162 septets') });
    expect(replacementText(encodeGsm7('y'.repeat(71))!, 0x00, 0x08)).toEqual({ ok: false, reason: 'the new text needs 142 octets; one message holds 140' });
    expect(replacementText(Buffer.from([0xd8, 0x00]), 0x08, 0x00)).toMatchObject({ ok: false, reason: expect.stringContaining('cannot be read as data_coding 0x08') });
  });

  it('passes binary content the SMSC got as it came, and refuses binary where text was sent', () => {
    const bin = Buffer.from([1, 2, 3, 0xff]);
    expect(replacementText(bin, 0x04, 0x04)).toEqual({ ok: true, sm: bin });
    expect(replacementText(Buffer.alloc(141), 0x04, 0x04)).toEqual({ ok: false, reason: '141 octets do not fit one message (140)' });
    expect(replacementText(bin, 0x04, 0x00)).toMatchObject({ ok: false, reason: expect.stringContaining('data_coding 0x04') });
    expect(replacementText(encodeGsm7('text')!, 0x00, 0x04)).toEqual({ ok: false, reason: 'the SMSC got the message as data_coding 0x04, not text the new one can be written in' });
  });
});
