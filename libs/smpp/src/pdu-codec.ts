import { COMMAND_IDS, isResponseId, type CommandName } from './commands';
import { HEADER_LENGTH, MAX_MULTI_DESTS, MAX_SHORT_MESSAGE } from './pdu-decode';
import { LAYOUTS, type FieldSpec } from './pdu-layout';
import { TLV, type EncodablePdu, type PduFields, type Tlv } from './pdu';

export * from './pdu-decode';

const INTERFACE_VERSION_34 = 0x34;

/** A PDU we refuse to put on the wire (our caller's bug, not the peer's). */
export class PduEncodeError extends Error {
  override readonly name = 'PduEncodeError';
}

// Two passes over the layout: the first checks every field (in field order, so the first broken
// one is reported) and adds up the octets, the second writes them into one Buffer of exactly
// that size. No field is copied on the way: strings go in a character at a time, the low octet
// of each UTF-16 unit, as Buffer.from(s, 'latin1') would take them.

const NO_TLVS: Tlv[] = [];

/** Octets of a C-octet string (NUL included); throws when it is too long or holds a NUL octet. */
function cstrSize(field: string, s: string | undefined, max: number): number {
  const v = s ?? '';
  if (v.length + 1 > max) throw new PduEncodeError(`${field} is ${v.length} octets, at most ${max - 1} allowed`);
  for (let i = 0; i < v.length; i++) if ((v.charCodeAt(i) & 0xff) === 0) throw new PduEncodeError(`${field} contains a NUL octet`);
  return v.length + 1;
}

function writeCstr(buf: Buffer, off: number, s: string | undefined): number {
  const v = s ?? '';
  const n = v.length;
  if (n <= 32) for (let i = 0; i < n; i++) buf[off + i] = v.charCodeAt(i);
  else buf.write(v, off, n, 'latin1');
  buf[off + n] = 0;
  return off + n + 1;
}

function writeBytes(buf: Buffer, off: number, b: Buffer): number {
  const n = b.length;
  if (n <= 64) for (let i = 0; i < n; i++) buf[off + i] = b[i]!;
  else b.copy(buf, off);
  return off + n;
}

function hasPayload(tlvs: Tlv[] | undefined): boolean {
  if (tlvs) for (const t of tlvs) if (t.tag === TLV.message_payload) return true;
  return false;
}

type Fields = PduFields & { tlvs?: Tlv[] };

function fieldSize(spec: FieldSpec, p: Fields, command: CommandName): number {
  const o = p as unknown as Record<string, unknown>;
  switch (spec.k) {
    case 'u8':
      return 1;
    case 'cstr':
      return cstrSize(spec.f, o[spec.f] as string | undefined, spec.max);
    case 'time': {
      const s = (o[spec.f] as string | undefined) ?? '';
      if (s.length !== 0 && s.length !== 16) throw new PduEncodeError(`${spec.f} must be empty or 16 characters`);
      return cstrSize(spec.f, s, 17);
    }
    case 'sm': {
      const n = p.short_message?.length ?? 0;
      if (n > MAX_SHORT_MESSAGE) {
        throw new PduEncodeError(`${command} short_message is ${n} octets; at most ${MAX_SHORT_MESSAGE} — put longer content in message_payload (0x0424)`);
      }
      // §5.3.2.32: short_message and message_payload must not both carry content.
      if (n > 0 && hasPayload(p.tlvs)) throw new PduEncodeError(`${command} has both short_message and message_payload`);
      return 1 + n;
    }
    case 'dests': {
      const list = p.dest_addresses ?? [];
      if (list.length === 0 || list.length > MAX_MULTI_DESTS) throw new PduEncodeError(`submit_multi takes 1 to ${MAX_MULTI_DESTS} destinations, got ${list.length}`);
      let n = 1;
      for (const d of list) {
        n += d.dest_flag === 1 ? 3 + cstrSize('destination_addr', d.destination_addr, 21) : 1 + cstrSize('dl_name', d.dl_name, 21);
      }
      return n;
    }
    case 'unsuccess': {
      let n = 1;
      for (const u of p.unsuccess_smes ?? []) n += 6 + cstrSize('destination_addr', u.destination_addr, 21);
      return n;
    }
  }
}

function writeField(buf: Buffer, off: number, spec: FieldSpec, p: Fields): number {
  const o = p as unknown as Record<string, unknown>;
  switch (spec.k) {
    case 'u8': {
      const v = o[spec.f] as number | undefined;
      buf[off] = (v ?? (spec.f === 'interface_version' ? INTERFACE_VERSION_34 : 0)) & 0xff;
      return off + 1;
    }
    case 'cstr':
    case 'time':
      return writeCstr(buf, off, o[spec.f] as string | undefined);
    case 'sm': {
      const sm = p.short_message;
      if (!sm) {
        buf[off] = 0;
        return off + 1;
      }
      buf[off] = sm.length;
      return writeBytes(buf, off + 1, sm);
    }
    case 'dests': {
      const list = p.dest_addresses!;
      buf[off++] = list.length;
      for (const d of list) {
        buf[off++] = d.dest_flag & 0xff;
        if (d.dest_flag === 1) {
          buf[off++] = d.dest_addr_ton & 0xff;
          buf[off++] = d.dest_addr_npi & 0xff;
          off = writeCstr(buf, off, d.destination_addr);
        } else {
          off = writeCstr(buf, off, d.dl_name);
        }
      }
      return off;
    }
    case 'unsuccess': {
      const list = p.unsuccess_smes ?? [];
      buf[off++] = list.length & 0xff;
      for (const u of list) {
        buf[off++] = u.dest_addr_ton & 0xff;
        buf[off++] = u.dest_addr_npi & 0xff;
        off = writeCstr(buf, off, u.destination_addr);
        buf.writeUInt32BE(u.error_status_code >>> 0, off);
        off += 4;
      }
      return off;
    }
  }
}

function hasAnyField(p: PduFields, specs: FieldSpec[]): boolean {
  const o = p as unknown as Record<string, unknown>;
  return specs.some((s) => {
    if (s.k === 'sm') return p.short_message !== undefined;
    if (s.k === 'dests') return p.dest_addresses !== undefined;
    if (s.k === 'unsuccess') return p.unsuccess_smes !== undefined;
    return o[s.f] !== undefined;
  });
}

/** Encode one PDU: header, mandatory fields (defaults for missing ones), then every TLV in order. */
export function encodePdu(p: EncodablePdu): Buffer {
  return encodeFields(p, p.command, p.status ?? 0, p.seq);
}

/**
 * encodePdu with the header values given apart from the fields (`fields.command`, `.status` and
 * `.seq`, if any, are not read): a session numbering a request or answering one encodes the
 * caller's object as it is instead of copying it to add them.
 */
export function encodeFields(fields: PduFields & { tlvs?: Tlv[] }, command: CommandName, status: number, seq: number): Buffer {
  const id = COMMAND_IDS[command];
  if (id === undefined) throw new PduEncodeError(`unknown command ${String(command)}`);
  const specs = LAYOUTS[command];
  const tlvs = fields.tlvs ?? NO_TLVS;
  // Mirror of decode: an error response without any field set goes out header-only (§3.3).
  const bodyless = isResponseId(id) && status !== 0 && tlvs.length === 0 && !hasAnyField(fields, specs);
  let length = HEADER_LENGTH;
  if (!bodyless) {
    for (let i = 0; i < specs.length; i++) length += fieldSize(specs[i]!, fields, command);
    for (const t of tlvs) {
      if (t.value.length > 0xffff) throw new PduEncodeError(`TLV 0x${t.tag.toString(16)} value longer than 65535`);
      length += 4 + t.value.length;
    }
  }
  const buf = Buffer.allocUnsafe(length);
  buf.writeUInt32BE(length, 0);
  buf.writeUInt32BE(id, 4);
  buf.writeUInt32BE(status >>> 0, 8);
  buf.writeUInt32BE(seq >>> 0, 12);
  if (bodyless) return buf;
  let off = HEADER_LENGTH;
  for (let i = 0; i < specs.length; i++) off = writeField(buf, off, specs[i]!, fields);
  for (const t of tlvs) {
    buf.writeUInt16BE(t.tag & 0xffff, off);
    buf.writeUInt16BE(t.value.length, off + 2);
    off = writeBytes(buf, off + 4, t.value);
  }
  return buf;
}
