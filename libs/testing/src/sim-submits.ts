import { decodeText, ESM_CLASS, getTlv, parseUdh, TLV, tlvUint16, tlvUint8, type Pdu } from '@smsgw/smpp';

/** One accepted submit_sm as the simulator saw it. */
export interface SimSubmit {
  smscMsgId: string;
  source: string;
  destination: string;
  dataCoding: number;
  esmClass: number;
  registeredDelivery: number;
  shortMessage: Buffer;
  /** Concatenation info from a UDH (IEI 0x00/0x08) or from SAR TLVs. */
  udh?: { ref: number; total: number; seq: number };
  /** Decoded text without UDH ('' when binary or undecodable); message_payload wins over short_message. */
  text: string;
  at: number;
}

export interface SimMessage {
  source: string;
  destination: string;
  text: string;
  parts: number;
  smscMsgIds: string[];
}

/** Turn an accepted submit_sm into a record: strip the UDH, decode the text, find the part info. */
export function describeSubmit(p: Pdu, smscMsgId: string, at: number): SimSubmit {
  const payload = getTlv(p, TLV.message_payload);
  let body = payload ?? p.short_message ?? Buffer.alloc(0);
  let udh: SimSubmit['udh'];
  const esm = p.esm_class ?? 0;
  if (esm & ESM_CLASS.UDHI) {
    try {
      const u = parseUdh(body);
      body = u.body;
      if (u.ref !== undefined) udh = { ref: u.ref, total: u.total!, seq: u.seq! };
    } catch {
      body = Buffer.alloc(0);
    }
  } else {
    // SMPP v3.4 §5.3.2.22–24: SAR TLVs carry the same information without a UDH.
    const ref = tlvUint16(getTlv(p, TLV.sar_msg_ref_num));
    const total = tlvUint8(getTlv(p, TLV.sar_total_segments));
    const seq = tlvUint8(getTlv(p, TLV.sar_segment_seqnum));
    if (ref !== undefined && total !== undefined && seq !== undefined) udh = { ref, total, seq };
  }
  let text = '';
  try {
    text = decodeText(p.data_coding ?? 0, body);
  } catch {
    text = '';
  }
  return {
    smscMsgId,
    source: p.source_addr ?? '',
    destination: p.destination_addr ?? '',
    dataCoding: p.data_coding ?? 0,
    esmClass: esm,
    registeredDelivery: p.registered_delivery ?? 0,
    shortMessage: p.short_message ?? Buffer.alloc(0),
    udh,
    text,
    at,
  };
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
    return {
      source: parts[0]!.source,
      destination: parts[0]!.destination,
      text: parts.map((p) => p.text).join(''),
      parts: parts.length,
      smscMsgIds: parts.map((p) => p.smscMsgId),
    };
  });
}
