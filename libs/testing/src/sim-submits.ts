import { type Pdu } from '@smsgw/smpp';
import { joinParts, readPart, TextDecodeError, type Gsm7Tables, type ReadPart } from '@smsgw/sms-text';

/** One accepted submit_sm as the simulator saw it. */
export interface SimSubmit {
  smscMsgId: string;
  source: string;
  destination: string;
  /** type_of_number and numbering_plan_indicator of both addresses (§5.2.5, §5.2.6), as sent. */
  ton: { source: number; destination: number };
  npi: { source: number; destination: number };
  dataCoding: number;
  esmClass: number;
  registeredDelivery: number;
  shortMessage: Buffer;
  /** Concatenation info from a UDH (IEI 0x00/0x08) or from SAR TLVs. */
  udh?: { ref: number; total: number; seq: number };
  /** Content without UDH (GSM as unpacked septets), message_payload winning over short_message. */
  body: Buffer;
  /** National language tables announced in the UDH (IEI 0x24 / 0x25). */
  tables: Gsm7Tables;
  /** Decoded text of this part alone ('' when binary or undecodable). */
  text: string;
  /** validity_period as the ESME sent it ('' = the SMSC's default). */
  validity: string;
  at: number;
}

export interface SimMessage {
  source: string;
  destination: string;
  text: string;
  parts: number;
  smscMsgIds: string[];
}

/**
 * Turn an accepted submit_sm into a record: strip the UDH, read SAR TLVs and shift IEs, decode
 * the text (any data_coding; `gsmPacked`: GSM text arrives as packed septets).
 */
export function describeSubmit(p: Pdu, smscMsgId: string, at: number, opts: { gsmPacked?: boolean } = {}): SimSubmit {
  let part: ReadPart = { dataCoding: p.data_coding ?? 0, body: Buffer.alloc(0), tables: {} };
  try {
    part = readPart(p, { packed: opts.gsmPacked });
  } catch (err) {
    if (!(err instanceof TextDecodeError)) throw err;
  }
  return {
    smscMsgId,
    source: p.source_addr ?? '',
    destination: p.destination_addr ?? '',
    ton: { source: p.source_addr_ton ?? 0, destination: p.dest_addr_ton ?? 0 },
    npi: { source: p.source_addr_npi ?? 0, destination: p.dest_addr_npi ?? 0 },
    dataCoding: p.data_coding ?? 0,
    esmClass: p.esm_class ?? 0,
    registeredDelivery: p.registered_delivery ?? 0,
    shortMessage: p.short_message ?? Buffer.alloc(0),
    udh: part.concat,
    body: part.body,
    tables: part.tables,
    text: textOf([part]),
    validity: p.validity_period ?? '',
    at,
  };
}

function textOf(parts: ReadPart[]): string {
  try {
    return joinParts(parts);
  } catch (err) {
    if (err instanceof TextDecodeError) return '';
    throw err;
  }
}

/**
 * Reassemble concatenated parts by (source, destination, ref, total); single-part messages as
 * they are. Incomplete groups are returned with the parts that arrived, in seq order.
 */
export function reassemble(submits: readonly SimSubmit[]): SimMessage[] {
  const groups: SimSubmit[][] = [];
  const open = new Map<string, SimSubmit[]>();
  for (const s of submits) {
    if (!s.udh) {
      groups.push([s]);
      continue;
    }
    const key = `${s.source}\0${s.destination}\0${s.udh.ref}\0${s.udh.total}`;
    let g = open.get(key);
    // A complete group is closed: the 8-bit reference wraps, so a later message may reuse it.
    if (!g || g.length >= s.udh.total) {
      g = [];
      groups.push(g);
      open.set(key, g);
    }
    // A resend of the same part replaces the earlier copy.
    const dup = g.findIndex((x) => x.udh!.seq === s.udh!.seq);
    if (dup >= 0) g[dup] = s;
    else g.push(s);
  }
  return groups.map((g) => {
    const parts = [...g].sort((a, b) => (a.udh?.seq ?? 0) - (b.udh?.seq ?? 0));
    // Bodies are joined before decoding: what a handset does, and a pair split by a client survives.
    return {
      source: parts[0]!.source,
      destination: parts[0]!.destination,
      text: textOf(parts.map((p) => ({ dataCoding: p.dataCoding, body: p.body, tables: p.tables }))),
      parts: parts.length,
      smscMsgIds: parts.map((p) => p.smscMsgId),
    };
  });
}
