import { COMMAND_IDS, commandName, isResponseId, type CommandName } from './commands';
import { HEADER_LENGTH, MAX_MULTI_DESTS, MAX_SHORT_MESSAGE, PduDecodeError, PduEncodeError } from './pdu-codec';
import { ALLOWED_TLVS, KNOWN_TLVS, LAYOUTS, REPEATABLE_TLVS, TLV_LIMITS, type FieldSpec } from './pdu-layout';
import { TLV, TLV_FIXED_LENGTH, type EncodablePdu, type MultiDestination, type Pdu, type PduFields, type Tlv, type UnsuccessSme } from './pdu';
import { STATUS } from './status';

/**
 * Test support, not exported: the codec as it was before it was made to allocate less (a Pdu
 * grown a field at a time, every C-octet string and value copied through Buffer.from, the
 * encoder growing a Buffer as it goes). Simple enough to trust, so
 * pdu-codec-reference.test.ts holds the optimised codec to it: same octets, same fields in the
 * same order, same errors.
 */

const INTERFACE_VERSION_34 = 0x34;

// ---------------------------------------------------------------- decode

class Reader {
  off = HEADER_LENGTH;
  constructor(
    readonly buf: Buffer,
    readonly id: number,
    readonly seq: number,
  ) {}
  fail(status: number, detail: string): never {
    throw new PduDecodeError(status, this.id, this.seq, detail);
  }
  u8(field: string): number {
    // A body that ends inside the mandatory part: its command_length is wrong for this command.
    if (this.off >= this.buf.length) this.fail(STATUS.ESME_RINVCMDLEN, `body ends before ${field}`);
    return this.buf[this.off++]!;
  }
  u32(field: string): number {
    if (this.off + 4 > this.buf.length) this.fail(STATUS.ESME_RINVCMDLEN, `body ends before ${field}`);
    const v = this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }
  /** A C-octet string whose NUL must lie within `max` octets AND within the PDU (§3.1). */
  cstr(field: string, max: number, status: number): string {
    const limit = Math.min(this.buf.length, this.off + max);
    const nul = this.buf.indexOf(0, this.off);
    if (nul === -1 || nul >= limit) {
      const why = nul === -1 || nul >= this.buf.length ? 'has no NUL terminator' : `longer than ${max - 1}`;
      this.fail(status, `${field} ${why}`);
    }
    const s = this.buf.toString('latin1', this.off, nul);
    this.off = nul + 1;
    return s;
  }
  get remaining(): number {
    return this.buf.length - this.off;
  }
}

function readField(r: Reader, spec: FieldSpec, out: PduFields): void {
  const o = out as Record<string, unknown>;
  switch (spec.k) {
    case 'u8':
      o[spec.f] = r.u8(spec.f);
      return;
    case 'cstr':
      o[spec.f] = r.cstr(spec.f, spec.max, spec.st);
      return;
    case 'time': {
      const s = r.cstr(spec.f, 17, spec.st);
      // §7.1.1: absolute or relative time is exactly 16 characters; empty means "not set".
      if (s.length !== 0 && s.length !== 16) r.fail(spec.st, `${spec.f} must be 0 or 16 characters`);
      o[spec.f] = s;
      return;
    }
    case 'sm': {
      const len = r.u8('sm_length');
      if (len > MAX_SHORT_MESSAGE) r.fail(STATUS.ESME_RINVMSGLEN, `sm_length ${len} > ${MAX_SHORT_MESSAGE}`);
      if (len > r.remaining) r.fail(STATUS.ESME_RINVMSGLEN, `sm_length ${len} beyond end of PDU`);
      // Copy so a retained PDU does not pin the whole socket chunk in memory.
      out.short_message = Buffer.from(r.buf.subarray(r.off, r.off + len));
      r.off += len;
      return;
    }
    case 'dests': {
      const n = r.u8('number_of_dests');
      if (n === 0 || n > MAX_MULTI_DESTS) r.fail(STATUS.ESME_RINVNUMDESTS, `number_of_dests ${n} outside 1–${MAX_MULTI_DESTS}`);
      const list: MultiDestination[] = [];
      for (let i = 0; i < n; i++) {
        const flag = r.u8('dest_flag');
        if (flag === 1) {
          const dest_addr_ton = r.u8('dest_addr_ton');
          const dest_addr_npi = r.u8('dest_addr_npi');
          const destination_addr = r.cstr('destination_addr', 21, STATUS.ESME_RINVDSTADR);
          list.push({ dest_flag: 1, dest_addr_ton, dest_addr_npi, destination_addr });
        } else if (flag === 2) {
          list.push({ dest_flag: 2, dl_name: r.cstr('dl_name', 21, STATUS.ESME_RINVDLNAME) });
        } else {
          r.fail(STATUS.ESME_RINVDESTFLAG, `dest_flag ${flag}`);
        }
      }
      out.dest_addresses = list;
      return;
    }
    case 'unsuccess': {
      const n = r.u8('no_unsuccess');
      const list: UnsuccessSme[] = [];
      for (let i = 0; i < n; i++) {
        const dest_addr_ton = r.u8('dest_addr_ton');
        const dest_addr_npi = r.u8('dest_addr_npi');
        const destination_addr = r.cstr('destination_addr', 21, STATUS.ESME_RINVDSTADR);
        list.push({ dest_addr_ton, dest_addr_npi, destination_addr, error_status_code: r.u32('error_status_code') });
      }
      out.no_unsuccess = n;
      out.unsuccess_smes = list;
      return;
    }
  }
}

const tagHex = (tag: number) => `0x${tag.toString(16).padStart(4, '0')}`;

/**
 * The optional part, checked while scanning so a flood of TLVs stops at the first one too many
 * (TLV_LIMITS), never after building them all. A known tag the command does not define
 * (ALLOWED_TLVS) or a second copy of one is refused before its length is even looked at.
 */
function readTlvs(r: Reader, command: CommandName): Tlv[] {
  const tlvs: Tlv[] = [];
  const max = TLV_LIMITS[command];
  const allowed = ALLOWED_TLVS[command];
  while (r.remaining > 0) {
    // §3.1: every TLV has a 2-octet tag and a 2-octet length before its value.
    if (r.remaining < 4) r.fail(STATUS.ESME_RINVOPTPARSTREAM, `${r.remaining} stray octets after the last TLV`);
    const tag = r.buf.readUInt16BE(r.off);
    const len = r.buf.readUInt16BE(r.off + 2);
    if (max === 0) r.fail(STATUS.ESME_ROPTPARNOTALLWD, `${command} takes no optional parameters, got TLV ${tagHex(tag)}`);
    if (tlvs.length === max) r.fail(STATUS.ESME_RINVOPTPARSTREAM, `${command} carries more than ${max} TLVs`);
    if (allowed && KNOWN_TLVS.has(tag) && !allowed.has(tag)) r.fail(STATUS.ESME_ROPTPARNOTALLWD, `${command} does not take TLV ${tagHex(tag)}`);
    if (KNOWN_TLVS.has(tag) && !REPEATABLE_TLVS.has(tag) && tlvs.some((t) => t.tag === tag)) {
      r.fail(STATUS.ESME_ROPTPARNOTALLWD, `TLV ${tagHex(tag)} appears twice`);
    }
    r.off += 4;
    if (len > r.remaining) r.fail(STATUS.ESME_RINVPARLEN, `TLV ${tagHex(tag)} length ${len} beyond end of PDU`);
    const fixed = TLV_FIXED_LENGTH.get(tag);
    if (fixed !== undefined && fixed !== len) r.fail(STATUS.ESME_RINVPARLEN, `TLV ${tagHex(tag)} must be ${fixed} octets, got ${len}`);
    tlvs.push({ tag, value: Buffer.from(r.buf.subarray(r.off, r.off + len)) });
    r.off += len;
  }
  return tlvs;
}

/**
 * Decode exactly one complete frame (as delivered by PduFramer). Throws PduDecodeError with the
 * status to answer; never reads outside `buf`.
 */
export function referenceDecode(buf: Buffer): Pdu {
  if (buf.length < HEADER_LENGTH) throw new PduDecodeError(STATUS.ESME_RINVCMDLEN, 0, 0, `PDU shorter than the header`);
  const length = buf.readUInt32BE(0);
  const id = buf.readUInt32BE(4);
  const status = buf.readUInt32BE(8);
  const seq = buf.readUInt32BE(12);
  if (length !== buf.length) throw new PduDecodeError(STATUS.ESME_RINVCMDLEN, id, seq, `command_length ${length} but frame has ${buf.length} octets`);
  const command = commandName(id);
  if (!command) throw new PduDecodeError(STATUS.ESME_RINVCMDID, id, seq, `unknown command_id 0x${id.toString(16)}`);
  const pdu: Pdu = { command, commandId: id, status, seq, tlvs: [] };
  // §3.3 / §4: a response carrying an error status is commonly sent without a body.
  if (length === HEADER_LENGTH && isResponseId(id) && status !== 0) return pdu;
  const r = new Reader(buf, id, seq);
  for (const spec of LAYOUTS[command]) readField(r, spec, pdu);
  pdu.tlvs = readTlvs(r, command);
  return pdu;
}

// ---------------------------------------------------------------- encode

class Writer {
  buf = Buffer.allocUnsafe(256);
  len = HEADER_LENGTH;
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.len);
    this.len += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }
  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }
  cstr(field: string, s: string | undefined, max: number): void {
    const v = s ?? '';
    const bytes = Buffer.from(v, 'latin1');
    if (bytes.length + 1 > max) throw new PduEncodeError(`${field} is ${bytes.length} octets, at most ${max - 1} allowed`);
    if (bytes.includes(0)) throw new PduEncodeError(`${field} contains a NUL octet`);
    this.bytes(bytes);
    this.u8(0);
  }
}

function writeField(w: Writer, spec: FieldSpec, p: EncodablePdu, command: CommandName): void {
  const o = p as unknown as Record<string, unknown>;
  switch (spec.k) {
    case 'u8': {
      const v = o[spec.f] as number | undefined;
      const dflt = spec.f === 'interface_version' ? INTERFACE_VERSION_34 : 0;
      w.u8(v ?? dflt);
      return;
    }
    case 'cstr':
      w.cstr(spec.f, o[spec.f] as string | undefined, spec.max);
      return;
    case 'time': {
      const s = (o[spec.f] as string | undefined) ?? '';
      if (s.length !== 0 && s.length !== 16) throw new PduEncodeError(`${spec.f} must be empty or 16 characters`);
      w.cstr(spec.f, s, 17);
      return;
    }
    case 'sm': {
      const smBuf = p.short_message ?? Buffer.alloc(0);
      if (smBuf.length > MAX_SHORT_MESSAGE) {
        throw new PduEncodeError(`${command} short_message is ${smBuf.length} octets; at most ${MAX_SHORT_MESSAGE} — put longer content in message_payload (0x0424)`);
      }
      // §5.3.2.32: short_message and message_payload must not both carry content.
      if (smBuf.length > 0 && p.tlvs?.some((t) => t.tag === TLV.message_payload)) {
        throw new PduEncodeError(`${command} has both short_message and message_payload`);
      }
      w.u8(smBuf.length);
      w.bytes(smBuf);
      return;
    }
    case 'dests': {
      const list = p.dest_addresses ?? [];
      if (list.length === 0 || list.length > MAX_MULTI_DESTS) throw new PduEncodeError(`submit_multi takes 1 to ${MAX_MULTI_DESTS} destinations, got ${list.length}`);
      w.u8(list.length);
      for (const d of list) {
        w.u8(d.dest_flag);
        if (d.dest_flag === 1) {
          w.u8(d.dest_addr_ton);
          w.u8(d.dest_addr_npi);
          w.cstr('destination_addr', d.destination_addr, 21);
        } else {
          w.cstr('dl_name', d.dl_name, 21);
        }
      }
      return;
    }
    case 'unsuccess': {
      const list = p.unsuccess_smes ?? [];
      w.u8(list.length);
      for (const u of list) {
        w.u8(u.dest_addr_ton);
        w.u8(u.dest_addr_npi);
        w.cstr('destination_addr', u.destination_addr, 21);
        w.u32(u.error_status_code);
      }
      return;
    }
  }
}

function hasAnyField(p: EncodablePdu, specs: FieldSpec[]): boolean {
  const o = p as unknown as Record<string, unknown>;
  return specs.some((s) => {
    if (s.k === 'sm') return p.short_message !== undefined;
    if (s.k === 'dests') return p.dest_addresses !== undefined;
    if (s.k === 'unsuccess') return p.unsuccess_smes !== undefined;
    return o[s.f] !== undefined;
  });
}

/** Encode one PDU: header, mandatory fields (defaults for missing ones), then every TLV in order. */
export function referenceEncode(p: EncodablePdu): Buffer {
  const id = COMMAND_IDS[p.command];
  if (id === undefined) throw new PduEncodeError(`unknown command ${String(p.command)}`);
  const status = p.status ?? 0;
  const w = new Writer();
  const specs = LAYOUTS[p.command];
  const tlvs = p.tlvs ?? [];
  // Mirror of decode: an error response without any field set goes out header-only (§3.3).
  const bodyless = isResponseId(id) && status !== 0 && tlvs.length === 0 && !hasAnyField(p, specs);
  if (!bodyless) {
    for (const spec of specs) writeField(w, spec, p, p.command);
    for (const t of tlvs) {
      if (t.value.length > 0xffff) throw new PduEncodeError(`TLV 0x${t.tag.toString(16)} value longer than 65535`);
      w.u16(t.tag);
      w.u16(t.value.length);
      w.bytes(t.value);
    }
  }
  w.buf.writeUInt32BE(w.len, 0);
  w.buf.writeUInt32BE(id, 4);
  w.buf.writeUInt32BE(status >>> 0, 8);
  w.buf.writeUInt32BE(p.seq >>> 0, 12);
  return w.buf.subarray(0, w.len);
}
