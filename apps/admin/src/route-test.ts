import { randomUUID } from 'node:crypto';
import type { InEntry } from '@smsgw/contracts';
import { createClientRouter, createPolicyResolver, normaliseAddress, TON, type PolicySettings } from '@smsgw/domain';
import type { ClientConfig, GatewayConfig, PolicyConfig } from '@smsgw/platform';
import { type Redis } from '@smsgw/redis';
import { createPolicyExplainer, type PolicyKeys, type StageReport } from '@smsgw/mcp';
import { TLV } from '@smsgw/smpp';
import { DEFAULT_SMSC_TEXT, encodeGsm7, encodeIa5, encodeLatin1, encodeUcs2, segmentForSmsc } from '@smsgw/sms-text';
import { AdminError } from './errors';

export interface RouteTestRequest {
  client: string;
  destination: string;
  text: string;
  source?: string;
  /** The data_coding the client would submit with; absent: 0 (GSM) when the text fits it, else 8 (UCS-2). */
  dataCoding?: number;
}

export interface RouteTestResult {
  client: string;
  destination: string;
  normalisedDestination: string;
  source: string;
  dataCoding: number;
  stages: StageReport[];
  allowed: boolean;
  pool: string | null;
  /** The first primary SMSC: the sender spreads over `smscs` by weight; encoding and segments are this one's. */
  smsc: string | null;
  smscs: string[];
  backup?: string[];
  encoding: 'gsm7' | 'latin1' | 'ucs2';
  /** The data_coding the sender would submit to the SMSC with. */
  smscDataCoding: number;
  segmentation: string;
  segments: number;
  /** Octets of short_message (UDH included) or message_payload over every part. */
  bytes: number;
}

/** The text as the client's submit_sm would carry it, in its data_coding (SMPP v3.4 §5.2.19). */
function clientBytes(text: string, dc: number | undefined): { dc: number; bytes: Buffer } {
  if (dc === undefined) {
    const gsm = encodeGsm7(text);
    return gsm ? { dc: 0, bytes: gsm } : { dc: 8, bytes: encodeUcs2(text) };
  }
  const enc = ({ 0: () => encodeGsm7(text), 1: () => encodeIa5(text), 3: () => encodeLatin1(text), 8: () => encodeUcs2(text) } as Record<number, () => Buffer | null>)[dc];
  if (!enc) throw new AdminError('invalid_request', `dataCoding: ${dc} is not a text coding the route test takes (0, 1, 3 or 8)`);
  const bytes = enc();
  if (!bytes) throw new AdminError('invalid_request', `text: has characters data_coding ${dc} cannot carry (use 8, UCS-2)`);
  return { dc, bytes };
}

export interface RouteTesterDeps {
  redis: Redis;
  keys: PolicyKeys;
  config: GatewayConfig;
  clients: () => Promise<readonly ClientConfig[]>;
  now: () => number;
}

/**
 * The dry run of one message: the client's address rules, its route, each MCP stage's verdict
 * (the policy-worker's own code in libs/redis, nothing counted or written) and how the sender
 * would encode and split the text for the chosen SMSC (libs/sms-text, with that SMSC's
 * `text` options). The message is built as ingress would have accepted it.
 */
export function createRouteTester(deps: RouteTesterDeps) {
  const explain = createPolicyExplainer(deps.redis, deps.keys);
  return async (req: RouteTestRequest, policy: PolicyConfig): Promise<RouteTestResult> => {
    const clients = await deps.clients();
    const client = clients.find((c) => c.systemId === req.client);
    if (!client) throw new AdminError('not_found', `no client "${req.client}"`);
    // As a client would send them with TON 0: a leading + or 00 says international, a trunk
    // prefix national (with the client's defaultCountryCode).
    const dst = normaliseAddress(TON.UNKNOWN, req.destination, 'destination', client);
    if (!dst.ok) throw new AdminError('invalid_request', `destination: ${dst.reason}`);
    const srcAddr = req.source ?? '';
    const src = normaliseAddress(/^[+0-9]*$/.test(srcAddr) ? TON.UNKNOWN : TON.ALPHANUMERIC, srcAddr, 'source', client);
    if (!src.ok) throw new AdminError('invalid_request', `source: ${src.reason}`);
    const { dc, bytes } = clientBytes(req.text, req.dataCoding);
    const t = deps.now();
    const entry: InEntry = {
      v: 1, id: `route-test-${randomUUID()}`, sys: client.systemId,
      src: { ton: TON.UNKNOWN, npi: 0, addr: srcAddr, norm: src.norm },
      dst: { ton: TON.UNKNOWN, npi: 1, addr: req.destination, norm: dst.norm },
      dc, esm: 0, rd: 0, pid: 0, pri: 0, sm: bytes.toString('base64'), at: t,
    };
    const route = createClientRouter(deps.config.routes, clients)(client.systemId, dst.norm);
    const effective = createPolicyResolver(policy as PolicySettings)(client.systemId);
    const { stages, allowed } = await explain(entry, route, effective, t);
    const smsc = route?.smscs[0] ?? null;
    const text = deps.config.smscs.find((s) => s.id === smsc)?.text ?? DEFAULT_SMSC_TEXT;
    let seg;
    try {
      seg = segmentForSmsc(req.text, dc, 0, text);
    } catch (err) {
      throw new AdminError('invalid_request', `text: ${(err as Error).message}`);
    }
    const payload = (tlvs: readonly { tag: number; value: Buffer }[]) => tlvs.find((x) => x.tag === TLV.message_payload)?.value.length ?? 0;
    return {
      client: client.systemId,
      destination: req.destination,
      normalisedDestination: dst.norm,
      source: src.norm,
      dataCoding: dc,
      stages,
      allowed,
      pool: route?.pool ?? null,
      smsc,
      smscs: route?.smscs ?? [],
      ...(route?.backup ? { backup: route.backup } : {}),
      encoding: seg.encoding,
      smscDataCoding: seg.dataCoding,
      segmentation: text.segmentation,
      segments: seg.segments,
      bytes: seg.parts.reduce((n, p) => n + p.sm.length + payload(p.tlvs), 0),
    };
  };
}
