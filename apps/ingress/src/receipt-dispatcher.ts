import { clientReceiptSchema, GROUPS, journalEventId, type ClientReceipt, type JournalEntry, type StreamNames } from '@smsgw/contracts';
import type { AppMetrics, Logger } from '@smsgw/platform';
import { createBlockingRedis, createStreamConsumer, runBatch, type EntryOutcome, type Redis, type StreamConsumer, type StreamEntry } from '@smsgw/redis';
import { formatReceiptText, STATUS, TLV, type Pdu, type SmppSession } from '@smsgw/smpp';
import { MESSAGE_STATE_TLV } from '@smsgw/contracts';

export interface ReceiptDispatcherDeps {
  redis: Redis;
  redisUrl: string;
  names: StreamNames;
  instance: string;
  metrics: AppMetrics;
  logger: Logger;
  batchSize: number;
  claimIdleMs: number;
}

/** The deliver_sm that carries one receipt to the client (SMPP v3.4 Appendix B, §5.2.12 esm_class 0x04). */
export function receiptPdu(r: ClientReceipt): Partial<Pdu> & { command: 'deliver_sm' } {
  const text = formatReceiptText({
    id: r.id,
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
      { tag: TLV.receipted_message_id, value: Buffer.from(`${r.id}\0`, 'latin1') },
      { tag: TLV.message_state, value: Buffer.from([MESSAGE_STATE_TLV[r.state]]) },
    ],
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

  const deliver = async (sys: string, e: StreamEntry): Promise<EntryOutcome> => {
    const parsed = clientReceiptSchema.safeParse(e.data);
    if (!parsed.success) {
      deps.metrics.errors.inc({ kind: 'malformed_receipt_entry' });
      deps.logger.error({ entryId: e.id, systemId: sys }, 'malformed client receipt entry dropped to dead-letter');
      await deps.redis.xadd(deps.names.dead, '*', 'd', JSON.stringify({ stream: deps.names.dlr(sys), id: e.id, data: e.data }));
      return { ack: true };
    }
    const r = parsed.data;
    // Tried on up to two sessions: a session that drops mid-send leaves the receipt for another.
    for (let attempt = 0; attempt < 2; attempt++) {
      const session = pick(sys);
      if (!session) return { ack: false };
      try {
        const resp = await session.request(receiptPdu(r));
        if (resp.status !== STATUS.ESME_ROK) {
          deps.metrics.messages.inc({ stage: 'client_receipt', outcome: 'refused' });
          deps.logger.warn({ msgId: r.id, systemId: sys, status: resp.status }, 'client refused the receipt; will retry');
          return { ack: false };
        }
        const rec: JournalEntry = {
          ts: Date.now(), ev: 'delivered_to_client', id: r.id, sys, state: r.state,
        };
        deps.metrics.messages.inc({ stage: 'client_receipt', outcome: 'delivered' });
        return { ack: true, journal: [rec] };
      } catch (err) {
        deps.logger.debug({ err, msgId: r.id, systemId: sys }, 'receipt not delivered on this session');
      }
    }
    return { ack: false };
  };

  const startConsumer = (sys: string) => {
    if (consumers.has(sys)) return;
    const c = createStreamConsumer({
      redis: deps.redis,
      blocking: createBlockingRedis(deps.redisUrl, `${deps.instance}-dlr-${sys}`),
      stream: deps.names.dlr(sys),
      group: GROUPS.ingress,
      consumer: `${deps.instance}:${sys}`,
      batchSize: deps.batchSize,
      blockMs: 500,
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
