import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMAND_IDS, type CommandName } from './commands';
import { decodePdu, decodePduAt, encodePdu } from './pdu-codec';
import { referenceDecode, referenceEncode } from './pdu-codec-reference';
import { KNOWN_TLVS, LAYOUTS, type FieldSpec } from './pdu-layout';
import { TLV, type EncodablePdu } from './pdu';

/**
 * The codec against the straightforward one it was optimised from (pdu-codec-reference.ts), on
 * every command: encoding gives the same octets or the same error, decoding the same fields in
 * the same order or the same error — for valid PDUs and for mangled ones. The arbitraries reach
 * every fast path: strings of any UTF-16 units (the encoder takes their low octets, as
 * Buffer.from(s, 'latin1') does; a unit whose low octet is 0 is a NUL), strings on both sides of
 * the encoder's copy-loop limit, short_message and TLV values on both sides of the decoder's.
 */

type Outcome = { ok: true; value: unknown; keys?: string[] } | { ok: false; name: string; message: string; status?: number };

function outcome(fn: () => unknown): Outcome {
  try {
    const value = fn();
    return { ok: true, value, ...(value && typeof value === 'object' && !Buffer.isBuffer(value) ? { keys: Object.keys(value) } : {}) };
  } catch (err) {
    const e = err as Error & { status?: number };
    return { ok: false, name: e.name, message: e.message, ...(e.status !== undefined ? { status: e.status } : {}) };
  }
}

/** Any UTF-16 units, mostly Latin-1 ones, sometimes longer than the field allows. */
const anyString = (max: number) =>
  fc.string({
    unit: fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 1, max: 0xff }).map((c) => String.fromCharCode(c)) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
    ),
    maxLength: max + 2,
  });
const anyU8 = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 255 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 256, 0x1234, 1.5) });
const octets = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const time = fc.constantFrom('', '240131235959000+', '000007000000000R', '2401312359', '240131235959000+X');

function fieldArbs(spec: FieldSpec): Record<string, fc.Arbitrary<unknown>> {
  switch (spec.k) {
    case 'u8':
      return { [spec.f]: anyU8 };
    case 'cstr':
      return { [spec.f]: anyString(spec.max) };
    case 'time':
      return { [spec.f]: time };
    case 'sm':
      return { short_message: fc.oneof(octets(64), octets(256)) };
    case 'dests':
      return {
        dest_addresses: fc.array(
          fc.oneof(
            fc.record({ dest_flag: fc.constant(1 as const), dest_addr_ton: anyU8, dest_addr_npi: anyU8, destination_addr: anyString(21) }),
            fc.record({ dest_flag: fc.constant(2 as const), dl_name: anyString(21) }),
          ),
          { maxLength: 4 },
        ),
      };
    case 'unsuccess':
      return {
        unsuccess_smes: fc.array(
          fc.record({ dest_addr_ton: anyU8, dest_addr_npi: anyU8, destination_addr: anyString(21), error_status_code: fc.integer({ min: 0, max: 0xffffffff }) }),
          { maxLength: 3 },
        ),
      };
  }
}

const tlv = fc.record({
  tag: fc.oneof(fc.constantFrom(...KNOWN_TLVS), fc.integer({ min: 0, max: 0xffff })),
  value: fc.oneof({ weight: 4, arbitrary: octets(8) }, { weight: 1, arbitrary: octets(300) }),
});

const anyPdu: fc.Arbitrary<EncodablePdu> = fc.constantFrom(...(Object.keys(COMMAND_IDS) as CommandName[])).chain((command) => {
  const fields = Object.assign({}, ...LAYOUTS[command].map(fieldArbs)) as Record<string, fc.Arbitrary<unknown>>;
  return fc.record(
    {
      command: fc.constant(command),
      seq: fc.integer({ min: 0, max: 0xffffffff }),
      status: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff })),
      tlvs: fc.array(tlv, { maxLength: 3 }),
      ...fields,
    },
    // Any field may be missing (the encoder writes its default); header and TLVs too.
    { requiredKeys: ['command', 'seq'] },
  ) as fc.Arbitrary<EncodablePdu>;
});

/** Frames of PDUs the reference encoder takes. */
const encodable = anyPdu.map((p) => outcome(() => referenceEncode(p))).filter((o) => o.ok).map((o) => (o as { value: Buffer }).value);

describe('codec against the reference codec (property)', () => {
  it('encodes every command to the same octets, or refuses it with the same error', () => {
    fc.assert(
      fc.property(anyPdu, (p) => {
        const got = outcome(() => encodePdu(p).toString('hex'));
        expect(got).toEqual(outcome(() => referenceEncode(p).toString('hex')));
      }),
      { numRuns: 3000 },
    );
  });

  it('decodes what it encodes to the same fields, in the same order', () => {
    fc.assert(
      fc.property(encodable, (wire) => {
        expect(outcome(() => decodePdu(wire))).toEqual(outcome(() => referenceDecode(wire)));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses a mangled frame with the same status and detail, or decodes it the same', () => {
    const mangled = encodable.chain((wire) => {
      return fc.tuple(fc.constant(wire), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat({ max: wire.length }));
    });
    fc.assert(
      fc.property(mangled, ([wire, edits, cut]) => {
        const frame = Buffer.from(wire.subarray(0, Math.max(16, cut)));
        // Body octets changed at random, then command_length set to the frame (else every case is RINVCMDLEN).
        for (const [at, v] of edits) if (frame.length > 16) frame[16 + (at % (frame.length - 16))] = v;
        frame.writeUInt32BE(frame.length, 0);
        expect(outcome(() => decodePdu(frame))).toEqual(outcome(() => referenceDecode(frame)));
      }),
      { numRuns: 3000 },
    );
  });

  it('decodePduAt reads a frame inside a bigger buffer as decodePdu reads it alone, never past its end', () => {
    const junk = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
    const mangled = encodable.chain((wire) => fc.tuple(fc.constant(wire), fc.nat({ max: wire.length }), junk, junk));
    fc.assert(
      fc.property(mangled, ([wire, cut, before, after]) => {
        const frame = Buffer.from(wire.subarray(0, Math.max(16, cut)));
        frame.writeUInt32BE(frame.length, 0);
        // A NUL right after the frame: a C-octet string cut off by the frame's end must not find it.
        const big = Buffer.concat([before, frame, Buffer.from([0]), after]);
        expect(outcome(() => decodePduAt(big, before.length, before.length + frame.length))).toEqual(outcome(() => referenceDecode(frame)));
      }),
      { numRuns: 3000 },
    );
  });

  it('long values take the copying paths: message_payload of 64 KiB, a 254-octet short_message, 64-character message_id', () => {
    const payload = Buffer.alloc(0xffff, 0x5a);
    const cases: EncodablePdu[] = [
      { command: 'submit_sm', seq: 1, destination_addr: '447700900123', tlvs: [{ tag: TLV.message_payload, value: payload }] },
      { command: 'deliver_sm', seq: 2, esm_class: 4, short_message: Buffer.alloc(254, 0x41) },
      { command: 'submit_sm_resp', seq: 3, message_id: 'f'.repeat(64) },
      { command: 'bind_transceiver', seq: 4, system_id: 'abc', password: 'pw', address_range: '^44.*'.repeat(8) },
    ];
    for (const p of cases) {
      const wire = encodePdu(p);
      expect(wire.equals(referenceEncode(p))).toBe(true);
      expect(decodePdu(wire)).toEqual(referenceDecode(wire));
    }
  });
});
