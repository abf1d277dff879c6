import { decodeGsm7, type Gsm7Tables } from './gsm7';
import { unpackSeptets } from './gsm7-pack';
import { decodeIa5, decodeLatin1 } from './latin1';
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

export interface DecodeTextOptions {
  /** National language tables announced in the UDH (IEI 0x24 / 0x25). */
  tables?: Gsm7Tables;
  /** GSM 7-bit text is packed septets (else one septet per octet, the SMPP norm). */
  packed?: boolean;
  /** Fill bits before the first packed septet (after a UDH, TS 23.040 §9.2.3.24). */
  fillBits?: number;
}

const NO_OPTIONS: DecodeTextOptions = {};

/**
 * Decode short_message (or message_payload) bytes — without UDH — according to data_coding.
 * 0x00 is taken as GSM 03.38, the usual SMSC default. Also understands the GSM "message class"
 * coding group 0xF0–0xF7 (TS 23.038 §4: bit 2 picks default alphabet or 8-bit). Never throws
 * anything but TextDecodeError.
 */
export function decodeText(dataCoding: number, bytes: Buffer, opts: DecodeTextOptions = NO_OPTIONS): string {
  switch (dataCoding) {
    case DATA_CODING.SMSC_DEFAULT:
      return decodeGsm(bytes, opts);
    case DATA_CODING.IA5:
      return decodeIa5(bytes);
    case DATA_CODING.LATIN1:
      return decodeLatin1(bytes);
    case DATA_CODING.UCS2:
      return decodeUcs2(bytes);
    case DATA_CODING.BINARY_2:
    case DATA_CODING.BINARY:
      throw new TextDecodeError('binary', `data_coding 0x0${dataCoding} is binary`);
  }
  if ((dataCoding & 0xf0) === 0xf0) {
    if ((dataCoding & 0x04) === 0) return decodeGsm(bytes, opts);
    throw new TextDecodeError('binary', `data_coding 0x${dataCoding.toString(16)} is 8-bit data`);
  }
  throw new TextDecodeError('unsupported', `data_coding 0x${dataCoding.toString(16)} is not supported`);
}

// A function of the module, not a closure made per call: the builds keep function names
// (esbuild keepNames), which costs a named closure a defineProperty each time it is made.
function decodeGsm(bytes: Buffer, opts: DecodeTextOptions): string {
  return decodeGsm7(opts.packed ? unpackSeptets(bytes, opts.fillBits ?? 0) : bytes, opts.tables);
}
