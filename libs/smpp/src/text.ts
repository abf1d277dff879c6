import { decodeGsm7 } from './gsm7';
import { TextDecodeError } from './text-error';
import { decodeUcs2 } from './ucs2';

/** data_coding values (SMPP v3.4 §5.2.19) that matter to us. */
export const DATA_CODING = {
  SMSC_DEFAULT: 0x00,
  IA5: 0x01,
  BINARY_2: 0x02,
  LATIN1: 0x03,
  BINARY: 0x04,
  UCS2: 0x08,
} as const;

/**
 * Decode short_message (or message_payload) bytes — without UDH — according to data_coding.
 * 0x00 is taken as GSM 03.38 unpacked, the usual SMSC default. Also understands the GSM
 * "message class" coding group 0xF0–0xF7 (TS 23.038 §4: bit 2 picks default alphabet or 8-bit).
 */
export function decodeText(dataCoding: number, bytes: Buffer): string {
  switch (dataCoding) {
    case DATA_CODING.SMSC_DEFAULT:
      return decodeGsm7(bytes);
    case DATA_CODING.IA5:
    case DATA_CODING.LATIN1:
      // IA5 is 7-bit ASCII, a subset of Latin-1, so one decoder serves both.
      return bytes.toString('latin1');
    case DATA_CODING.UCS2:
      return decodeUcs2(bytes);
    case DATA_CODING.BINARY_2:
    case DATA_CODING.BINARY:
      throw new TextDecodeError('binary', `data_coding 0x0${dataCoding} is binary`);
  }
  if ((dataCoding & 0xf0) === 0xf0) {
    if ((dataCoding & 0x04) === 0) return decodeGsm7(bytes);
    throw new TextDecodeError('binary', `data_coding 0x${dataCoding.toString(16)} is 8-bit data`);
  }
  throw new TextDecodeError('unsupported', `data_coding 0x${dataCoding.toString(16)} is not supported`);
}
