import { clientMoSchema, clientReceiptSchema, GROUPS, type ClientMo, type ClientReceipt, type JournalEntry, type StreamNames } from '@smsgw/contracts';
import { endWithStatus, SPAN_ATTR, type AppMetrics, type Logger, type Tracing } from '@smsgw/platform';
import { createBlockingRedis, createStreamConsumer, runBatch, type EntryOutcome, type Redis, type RedisTarget, type StreamConsumer, type StreamEntry } from '@smsgw/redis';
import { STATUS, TLV, type Pdu, type SmppSession } from '@smsgw/smpp';
import { formatReceiptText } from '@smsgw/sms-text';
import { MESSAGE_STATE_TLV } from '@smsgw/contracts';

export interface ReceiptDispatcherDeps {
  redis: Redis;
  /** Where the blocking reads connect: the `redis:` section (a cluster when it has `cluster`) or a URL. */
  target: string | RedisTarget;
  names: StreamNames;
  instance: string;
  metrics: AppMetrics;
  logger: Logger;
  batchSize: number;
  claimIdleMs: number;
  /** streams.readLingerMs (default 0). */
  readLingerMs?: number;
  /** tracing.enabled: the deliver_sm of a traced message's receipt is the last span of its trace. */
  tracing?: Tracing;
}

/** One entry of a client's stream as what goes out: its deliver_sm, our message id, the receipt's state and trace context. */
type Delivery = { pdu: Partial<Pdu> & { command: 'deliver_sm' }; id: string; state?: string; tp?: string };

/** The deliver_sm that carries one receipt to the client (SMPP v3.4 Appendix B, §5.2.12 esm_class 0x04). */
export function receiptPdu(r: ClientReceipt): Partial<Pdu> & { command: 'deliver_sm' } {
  // The message_id the client was given: a submit_multi destination's receipt carries the
  // submit_multi's (`cid`), its source_addr says which destination it is.
  const id = r.cid ?? r.id;
  const text = formatReceiptText({
    id,
    sub: r.sub,
    dlvrd: r.dlvrd,
    submitDate: new Date(r.sd),
    doneDate: new Date(r.dd),
    stat: r.stat,
    err: r.err,
    text: '',
  });
  return {
    command: 'deliver_sm',
    // A receipt travels back: its source is the original destination and vice versa.
    source_addr_ton: r.dst.ton,
    source_addr_npi: r.dst.npi,
    source_addr: r.dst.addr,
    dest_addr_ton: r.src.ton,
    dest_addr_npi: r.src.npi,
    destination_addr: r.src.addr,
    esm_class: 0x04,
    data_coding: 0,
    short_message: Buffer.from(text, 'latin1'),
    tlvs: [
      { tag: TLV.receipted_message_id, value: Buffer.from(`${id}\0`, 'latin1') },
      { tag: TLV.message_state, value: Buffer.from([MESSAGE_STATE_TLV[r.state]]) },
    ],
  };
}

/** The deliver_sm of a mobile-originated message (esm_class 0: not a receipt), text as the SMSC sent it. */
export function moPdu(m: ClientMo): Partial<Pdu> & { command: 'deliver_sm' } {
  const body = Buffer.from(m.sm, 'base64');
  const long = body.length > 254;
  return {
    command: 'deliver_sm',
    source_addr_ton: m.src.ton, source_addr_npi: m.src.npi, source_addr: m.src.addr,
    dest_addr_ton: m.dst.ton, dest_addr_npi: m.dst.npi, destination_addr: m.dst.addr,
    esm_class: 0,
    data_coding: m.dc,
    short_message: long ? Buffer.alloc(0) : body,
    tlvs: long ? [{ tag: TLV.message_payload, value: body }] : [],
  };
}

/**
 * Sends each client's receipts (stream `dlr:<system_id>`) to its receiver/transceiver binds.
 * A client's stream is read only while it has such a bind on this instance; an entry is acked
 * only after the client's deliver_sm_resp, so receipts of an offline client wait in Redis.
 */
export function createReceiptDispatcher(deps: ReceiptDispatcherDeps) {
  const bound = new Map<string, SmppSession[]>();
  const consumers = new Map<string, StreamConsumer>();
  const rr = new Map<string, number>();

  const pick = (sys: string): SmppSession | undefined => {
    const list = (bound.get(sys) ?? []).filter((s) => !s.closed);
    if (!list.length) return undefined;
    const i = (rr.get(sys) ?? 0) % list.length;
    rr.set(sys, i + 1);
    return list[i];
  };

  /** The PDU and journal entry for one entry of the client's stream: a receipt, or an MO message. */
  const toDelivery = (e: StreamEntry): Delivery | undefined => {
    const data = e.data as { k?: string } | undefined;
    if (data?.k === 'mo') {
      const mo = clientMoSchema.safeParse(data);
      return mo.success ? { pdu: moPdu(mo.data), id: mo.data.id } : undefined;
    }
    const r = clientReceiptSchema.safeParse(data);
    return r.success ? { pdu: receiptPdu(r.data), id: r.data.id, state: r.data.state, tp: r.data.tp } : undefined;
  };

  const deliver = async (sys: string, e: StreamEntry): Promise<EntryOutcome> => {
    const d = toDelivery(e);
    if (!d) {
      deps.metrics.errors.inc({ kind: 'malformed_receipt_entry' });
      deps.logger.error({ entryId: e.id, systemId: sys }, 'malformed client receipt entry dropped to dead-letter');
      await deps.redis.xadd(deps.names.dead, '*', 'd', JSON.stringify({ stream: deps.names.dlr(sys), id: e.id, data: e.data }));
      return { ack: true };
    }
    const span = d.tp && deps.tracing ? deps.tracing.child('ingress deliver_sm', d.tp, 'client', { [SPAN_ATTR.messageId]: d.id, [SPAN_ATTR.client]: sys, [SPAN_ATTR.outcome]: d.state }) : undefined;
    if (!span) return send(sys, d);
    const note: { status?: number } = {};
    try {
      return await send(sys, d, note);
    } finally {
      // No answer at all (no bind, or the session dropped): the receipt waits, and a later span follows.
      endWithStatus(span, note.status, note.status === undefined ? 'no bind took the deliver_sm; it waits' : undefined);
    }
  };

  const send = async (sys: string, d: Delivery, note?: { status?: number }): Promise<EntryOutcome> => {
    // Tried on up to two sessions: a session that drops mid-send leaves the receipt for another.
    for (let attempt = 0; attempt < 2; attempt++) {
      const session = pick(sys);
      if (!session) return { ack: false };
      try {
        const resp = await session.request(d.pdu);
        if (note) note.status = resp.status;
        if (resp.status !== STATUS.ESME_ROK) {
          // Not acked: it comes back after claimIdleMs (a backoff), on this or another bind.
          deps.metrics.messages.inc({ stage: 'client_receipt', outcome: 'refused' });
          deps.logger.warn({ msgId: d.id, systemId: sys, status: resp.status }, 'client refused the deliver_sm; will retry');
          return { ack: false };
        }
        const rec: JournalEntry = { ts: Date.now(), ev: 'delivered_to_client', id: d.id, sys, state: d.state };
        deps.metrics.messages.inc({ stage: 'client_receipt', outcome: d.state ? 'delivered' : 'mo_delivered' });
        return { ack: true, journal: [rec] };
      } catch (err) {
        deps.logger.debug({ err, msgId: d.id, systemId: sys }, 'deliver_sm not delivered on this session');
      }
    }
    return { ack: false };
  };

  const startConsumer = (sys: string) => {
    if (consumers.has(sys)) return;
    const c = createStreamConsumer({
      redis: deps.redis,
      blocking: createBlockingRedis(deps.target, `${deps.instance}-dlr-${sys}`),
      stream: deps.names.dlr(sys),
      group: GROUPS.ingress,
      consumer: `${deps.instance}:${sys}`,
      batchSize: deps.batchSize,
      blockMs: 500,
      lingerMs: deps.readLingerMs,
      claimIdleMs: deps.claimIdleMs,
      maxDeliveries: Number.MAX_SAFE_INTEGER, // an offline client is not a poison entry
      concurrency: 2,
      logger: deps.logger,
      handler: (entries) =>
        runBatch(entries, (e) => deliver(sys, e), {
          redis: deps.redis,
          journalStream: deps.names.journal,
          onError: (err, e) => deps.logger.warn({ err, entryId: e.id, systemId: sys }, 'receipt not delivered; it waits'),
        }),
    });
    consumers.set(sys, c);
    c.start().catch((err) => deps.logger.error({ err, systemId: sys }, 'receipt consumer failed to start'));
  };

  return {
    /** A receiver/transceiver bind of `sys` is up: its receipts flow to it. */
    attach(sys: string, session: SmppSession) {
      bound.set(sys, [...(bound.get(sys) ?? []), session]);
      startConsumer(sys);
    },
    detach(sys: string, session: SmppSession) {
      const left = (bound.get(sys) ?? []).filter((s) => s !== session);
      if (left.length) return void bound.set(sys, left);
      bound.delete(sys);
      const c = consumers.get(sys);
      consumers.delete(sys);
      void c?.stop();
    },
    async close() {
      await Promise.allSettled([...consumers.values()].map((c) => c.stop()));
      consumers.clear();
    },
  };
}
