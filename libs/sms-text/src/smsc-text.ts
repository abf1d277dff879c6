import type { NationalLanguage } from './gsm7-shift-tables';
import { segmentText, type Segmented, type SegmentationMode } from './segmenter';

/** An SMSC's text options (config `smscs[].text`, validated in libs/platform config-text.ts). */
export interface SmscTextOptions {
  segmentation: SegmentationMode;
  latin1: boolean;
  shiftTables: readonly NationalLanguage[];
  gsmPacked: boolean;
  reencodeUcs2: boolean;
}

/** The options of an SMSC without `text`: GSM 7-bit unpacked or UCS-2, 8-bit reference UDH. */
export const DEFAULT_SMSC_TEXT: SmscTextOptions = { segmentation: 'udh8', latin1: false, shiftTables: [], gsmPacked: false, reencodeUcs2: false };

/**
 * A client's text encoded and split for one SMSC, as the sender submits it: the default GSM
 * alphabet, else an allowed national shift table, else Latin-1 where allowed, else UCS-2; a
 * client's explicit UCS-2 is kept unless the SMSC has `reencodeUcs2`, its Latin-1 where allowed.
 * The admin API's route test calls this too, so what it shows is what the sender does.
 */
export function segmentForSmsc(text: string, clientDataCoding: number, ref: number, opts: SmscTextOptions = DEFAULT_SMSC_TEXT): Segmented {
  return segmentText(text, {
    mode: opts.segmentation,
    ref,
    latin1: opts.latin1,
    shiftTables: opts.shiftTables,
    packed: opts.gsmPacked,
    clientDataCoding: clientDataCoding === 0x08 && opts.reencodeUcs2 ? undefined : clientDataCoding,
  });
}
