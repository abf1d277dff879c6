// SMS text: the GSM 03.38 alphabet with its national shift tables and septet packing, Latin-1
// and UCS-2, the choice of an encoding, long-message segmentation (UDH / SAR / message_payload)
// and reading parts back, concatenation references, and the receipt text of SMPP appendix B.
export * from './text-error';
export * from './gsm7';
export * from './ucs2';
export * from './text';
export * from './segment';
export * from './receipt-text';
export * from './gsm7-shift-tables';
export * from './gsm7-pack';
export * from './latin1';
export * from './encoding-choice';
export * from './segmenter';
export * from './concat-ref';
export * from './part-reader';
export * from './message-content';
export * from './smsc-text';
