import { commandName, isResponseId, type CommandName } from './commands';
import { ALLOWED_TLVS, KNOWN_TLVS, LAYOUTS, REPEATABLE_TLVS, TLV_LIMITS, type FieldSpec } from './pdu-layout';
import { TLV_FIXED_LENGTH, type MultiDestination, type Pdu, type PduFields, type Tlv, type UnsuccessSme } from './pdu';
import { STATUS, statusName } from './status';

// The wire limits both directions share, and the strict decoder. pdu-codec.ts re-exports all of
// it beside the encoder.

export const HEADER_LENGTH = 16;
/** §5.2.21: sm_length is at most 254; longer content travels in message_payload (§5.3.2.32). */
export const MAX_SHORT_MESSAGE = 254;
/** §4.5.1: number_of_dests is 1 to 254 ("a maximum of 254 destination addresses are allowed"). */
export const MAX_MULTI_DESTS = 254;

/**
 * A PDU that is framed correctly but whose body breaks a rule. `status` is what to answer in
 * the PDU's own *_resp (or generic_nack for an unknown command id), `commandId`/`seq` identify it.
 */
export class PduDecodeError extends Error {
  override readonly name = 'PduDecodeError';
  constructor(
    readonly status: number,
    readonly commandId: number,
    readonly seq: number,
    detail: string,
  ) {
    super(`${detail} (${statusName(status)})`);
  }
}

/** Reads the body of the frame buf[start, end) after its header; the header values name errors. */
class Reader {
  off: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
    readonly id: number,
    readonly seq: number,
  ) {
    this.off = start + HEADER_LENGTH;
  }
  fail(status: number, detail: string): never {
    throw new PduDecodeError(status, this.id, this.seq, detail);
  }
  u8(field: string): number {
    // A body that ends inside the mandatory part: its command_length is wrong for this command.
    if (this.off >= this.end) this.fail(STATUS.ESME_RINVCMDLEN, `body ends before ${field}`);
    return this.buf[this.off++]!;
  }
  u32(field: string): number {
    if (this.off + 4 > this.end) this.fail(STATUS.ESME_RINVCMDLEN, `body ends before ${field}`);
    const v = this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }
  /** A C-octet string whose NUL must lie within `max` octets AND within the PDU (§3.1). */
  cstr(field: string, max: number, status: number): string {
    const { buf, off, end } = this;
    const limit = Math.min(end, off + max);
    let nul = off;
    while (nul < limit && buf[nul] !== 0) nul++;
    if (nul === limit) {
      while (nul < end && buf[nul] !== 0) nul++;
      this.fail(status, `${field} ${nul === end ? 'has no NUL terminator' : `longer than ${max - 1}`}`);
    }
    this.off = nul + 1;
    return nul === off ? '' : buf.toString('latin1', off, nul);
  }
  get remaining(): number {
    return this.end - this.off;
  }
}

/**
 * A C-octet string or TLV value as its own Buffer: a retained PDU must not pin the whole socket
 * chunk in memory. One Buffer (from the pool, as Buffer.from would take it), and no view of the
 * source made for the copy (Buffer#copy makes one): short values (a short_message is at most 254
 * octets) are copied octet by octet.
 */
function copyOut(buf: Buffer, start: number, end: number): Buffer {
  const n = end - start;
  const out = Buffer.allocUnsafe(n);
  if (n <= 256) for (let i = 0; i < n; i++) out[i] = buf[start + i]!;
  else buf.copy(out, 0, start, end);
  return out;
}

/**
 * A decoded PDU gets its final shape at once: an object with every field its layout sets, in the
 * order the decoder sets them, each holding a value of its type, then filled in. Grown a property
 * at a time, a PDU of submit_sm's 17 fields fell into dictionary mode, which was most of what a
 * decode allocated. The PDUs a gateway decodes most come from object literals (one literal site
 * per layout stays monomorphic); the others are copies of a template made from the layout (one
 * spread site for many shapes is slower, but allocates as little). pdu-codec-reference.test.ts
 * checks that both give the fields in the layout's order.
 */
const EMPTY_BUFFER = Buffer.alloc(0);
const EMPTY_TLVS: Tlv[] = [];

type NewPdu = (command: CommandName, commandId: number, status: number, seq: number) => Pdu;

/** §4.4.1 submit_sm and §4.6.1 deliver_sm (one layout). */
const newSmPdu: NewPdu = (command, commandId, status, seq) => ({
  command, commandId, status, seq, tlvs: EMPTY_TLVS,
  service_type: '', source_addr_ton: 0, source_addr_npi: 0, source_addr: '', dest_addr_ton: 0, dest_addr_npi: 0, destination_addr: '',
  esm_class: 0, protocol_id: 0, priority_flag: 0, schedule_delivery_time: '', validity_period: '', registered_delivery: 0,
  replace_if_present_flag: 0, data_coding: 0, sm_default_msg_id: 0, short_message: EMPTY_BUFFER,
});
/** submit_sm_resp, deliver_sm_resp, data_sm_resp. */
const newMessageIdPdu: NewPdu = (command, commandId, status, seq) => ({ command, commandId, status, seq, tlvs: EMPTY_TLVS, message_id: '' });
/** enquire_link, unbind, generic_nack and their like: no mandatory field. */
const newEmptyPdu: NewPdu = (command, commandId, status, seq) => ({ command, commandId, status, seq, tlvs: EMPTY_TLVS });

function templateFor(command: CommandName): NewPdu {
  const o: Record<string, unknown> = { command, commandId: 0, status: 0, seq: 0, tlvs: EMPTY_TLVS };
  for (const spec of LAYOUTS[command]) {
    if (spec.k === 'u8') o[spec.f] = 0;
    else if (spec.k === 'cstr' || spec.k === 'time') o[spec.f] = '';
    else if (spec.k === 'sm') o.short_message = EMPTY_BUFFER;
    else if (spec.k === 'dests') o.dest_addresses = [];
    else {
      o.no_unsuccess = 0;
      o.unsuccess_smes = [];
    }
  }
  // The spread also turns `o`, grown a property at a time, into a fast-properties object.
  const template = { ...o } as unknown as Pdu;
  return (_command, commandId, status, seq) => {
    const pdu = { ...template };
    pdu.commandId = commandId;
    pdu.status = status;
    pdu.seq = seq;
    return pdu;
  };
}

const NEW_PDU = Object.fromEntries(
  (Object.keys(LAYOUTS) as CommandName[]).map((command) => {
    const specs = LAYOUTS[command];
    const isSm = command === 'submit_sm' || command === 'deliver_sm';
    const isMessageId = specs.length === 1 && specs[0]!.k === 'cstr' && specs[0]!.f === 'message_id';
    return [command, isSm ? newSmPdu : isMessageId ? newMessageIdPdu : specs.length === 0 ? newEmptyPdu : templateFor(command)];
  }),
) as Record<CommandName, NewPdu>;

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
      out.short_message = copyOut(r.buf, r.off, r.off + len);
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

function hasTag(tlvs: Tlv[], n: number, tag: number): boolean {
  for (let i = 0; i < n; i++) if (tlvs[i]!.tag === tag) return true;
  return false;
}

const tagHex = (tag: number) => `0x${tag.toString(16).padStart(4, '0')}`;

/**
 * The optional part, checked while scanning so a flood of TLVs stops at the first one too many
 * (TLV_LIMITS), never after building them all. A known tag the command does not define
 * (ALLOWED_TLVS) or a second copy of one is refused before its length is even looked at.
 */
/**
 * Where readTlvs collects a PDU's TLVs before copying them to an array of the right size (an
 * array grown by push reserves room for 17). Decoding is synchronous, so one list serves all.
 */
const scratchTlvs: Tlv[] = [];
const NO_TLV: Tlv = { tag: 0, value: EMPTY_BUFFER };

function readTlvs(r: Reader, command: CommandName): Tlv[] {
  if (r.remaining === 0) return [];
  const tlvs = scratchTlvs;
  let n = 0;
  const max = TLV_LIMITS[command];
  const allowed = ALLOWED_TLVS[command];
  while (r.remaining > 0) {
    // §3.1: every TLV has a 2-octet tag and a 2-octet length before its value.
    if (r.remaining < 4) r.fail(STATUS.ESME_RINVOPTPARSTREAM, `${r.remaining} stray octets after the last TLV`);
    const tag = r.buf.readUInt16BE(r.off);
    const len = r.buf.readUInt16BE(r.off + 2);
    if (max === 0) r.fail(STATUS.ESME_ROPTPARNOTALLWD, `${command} takes no optional parameters, got TLV ${tagHex(tag)}`);
    if (n === max) r.fail(STATUS.ESME_RINVOPTPARSTREAM, `${command} carries more than ${max} TLVs`);
    if (allowed && KNOWN_TLVS.has(tag) && !allowed.has(tag)) r.fail(STATUS.ESME_ROPTPARNOTALLWD, `${command} does not take TLV ${tagHex(tag)}`);
    if (KNOWN_TLVS.has(tag) && !REPEATABLE_TLVS.has(tag) && hasTag(tlvs, n, tag)) {
      r.fail(STATUS.ESME_ROPTPARNOTALLWD, `TLV ${tagHex(tag)} appears twice`);
    }
    r.off += 4;
    if (len > r.remaining) r.fail(STATUS.ESME_RINVPARLEN, `TLV ${tagHex(tag)} length ${len} beyond end of PDU`);
    const fixed = TLV_FIXED_LENGTH.get(tag);
    if (fixed !== undefined && fixed !== len) r.fail(STATUS.ESME_RINVPARLEN, `TLV ${tagHex(tag)} must be ${fixed} octets, got ${len}`);
    tlvs[n++] = { tag, value: copyOut(r.buf, r.off, r.off + len) };
    r.off += len;
  }
  const out = tlvs.slice(0, n);
  tlvs.fill(NO_TLV, 0, n); // hold on to no PDU's values
  return out;
}

/**
 * Decode exactly one complete frame (as delivered by PduFramer). Throws PduDecodeError with the
 * status to answer; never reads outside `buf`.
 */
export function decodePdu(buf: Buffer): Pdu {
  return decodePduAt(buf, 0, buf.length);
}

/**
 * decodePdu of the frame buf[start, end), e.g. one inside a socket chunk (PduFramer.scan), decoded
 * without a Buffer of its own. Never reads outside the frame.
 */
export function decodePduAt(buf: Buffer, start: number, end: number): Pdu {
  const size = end - start;
  if (size < HEADER_LENGTH) throw new PduDecodeError(STATUS.ESME_RINVCMDLEN, 0, 0, `PDU shorter than the header`);
  const length = buf.readUInt32BE(start);
  const id = buf.readUInt32BE(start + 4);
  const status = buf.readUInt32BE(start + 8);
  const seq = buf.readUInt32BE(start + 12);
  if (length !== size) throw new PduDecodeError(STATUS.ESME_RINVCMDLEN, id, seq, `command_length ${length} but frame has ${size} octets`);
  const command = commandName(id);
  if (!command) throw new PduDecodeError(STATUS.ESME_RINVCMDID, id, seq, `unknown command_id 0x${id.toString(16)}`);
  // §3.3 / §4: a response carrying an error status is commonly sent without a body.
  if (length === HEADER_LENGTH && isResponseId(id) && status !== 0) return { command, commandId: id, status, seq, tlvs: [] };
  const pdu = NEW_PDU[command](command, id, status, seq);
  const r = new Reader(buf, start, end, id, seq);
  const specs = LAYOUTS[command];
  for (let i = 0; i < specs.length; i++) readField(r, specs[i]!, pdu);
  pdu.tlvs = readTlvs(r, command);
  return pdu;
}
