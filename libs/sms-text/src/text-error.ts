/**
 * Bytes that cannot be turned into text: `binary` for 8-bit data codings (§5.2.19 0x02/0x04),
 * `unsupported` for a data_coding we do not decode, `invalid` for malformed content.
 */
export class TextDecodeError extends Error {
  override readonly name = 'TextDecodeError';
  constructor(
    readonly reason: 'binary' | 'unsupported' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}
