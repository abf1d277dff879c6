// The SMPP v3.4 protocol: commands and statuses, PDUs and their strict codec, framing, the
// session (binds, windowing, enquire_link) and the PROXY protocol header of a listener.
// SMS text (alphabets, segmentation, receipt text) lives in @smsgw/sms-text.
export * from './commands';
export * from './status';
export * from './pdu';
export * from './pdu-codec';
export * from './framer';
export * from './session-errors';
export * from './session';
export * from './session-connect';
export * from './proxy-protocol';
