import { describe, expect, it } from 'vitest';
import { FramingError, PduFramer } from './framer';
import { encodePdu } from './pdu-codec';

const submit = (seq: number, octets: number) => encodePdu({ command: 'submit_sm', seq, short_message: Buffer.alloc(octets, 0x41) });

describe('PduFramer limit change', () => {
  it('applies a lowered limit to the next frame and a raised one after it', () => {
    const f = new PduFramer();
    f.maxLength = 200;
    expect(f.push(submit(1, 100))).toHaveLength(1);
    f.maxLength = 100_000;
    expect(f.push(submit(2, 250))).toHaveLength(1);
    f.maxLength = 200;
    expect(() => f.push(submit(3, 250))).toThrow(FramingError);
  });

  it('refuses a limit below the header length', () => {
    expect(() => (new PduFramer().maxLength = 8)).toThrow(RangeError);
  });
});
