import type { Logger } from '@smsgw/platform';
import { STATUS } from '@smsgw/smpp';
import type { MessageRecord } from '@smsgw/store';
import type { Redis } from './redis-client';
import { createSmscOpsClient, SmscOpTimeoutError, type SmscOp } from './smsc-ops';

export type ForwardOutcome = { status: number; reason?: string };

export interface SmscForwarderDeps {
  redis: Redis;
  prefix: string;
  /** How long the client's cancel_sm / replace_sm waits for the SMSC's answer (default 5 s). */
  timeoutMs?: number;
  logger?: Logger;
}

/** What replace_sm (§4.10.1) changes, as the client sent it. */
export interface ReplaceFields {
  /** The new short_message, in the client's data_coding of the original submit. */
  sm: Buffer;
  schedule: string;
  validity: string;
}

export interface SmscForwarder {
  cancel(rec: MessageRecord, serviceType: string): Promise<ForwardOutcome>;
  replace(rec: MessageRecord, f: ReplaceFields): Promise<ForwardOutcome>;
  close(): Promise<void>;
}

/**
 * cancel_sm (§4.9) and replace_sm (§4.10) of a SUBMITTED message go on to its SMSC: a sender
 * with a bound session to it sends them with the SMSC's own message id of each part (libs/redis
 * smsc-ops.ts, apps/sender smsc-ops-worker.ts), and the SMSC's answer comes back as the status
 * for the client. Without an answer in time the client gets ESME_RCANCELFAIL /
 * ESME_RREPLACEFAIL (§5.1.3) saying why. The caller checks the message is the client's and
 * SUBMITTED; a Redis failure is thrown, as the store's are.
 */
export function createSmscForwarder(deps: SmscForwarderDeps): SmscForwarder {
  const client = createSmscOpsClient({ redis: deps.redis, prefix: deps.prefix, timeoutMs: deps.timeoutMs, logger: deps.logger });

  /** The SMSC and its id of every part (as it wrote them), or why there are none. */
  const target = (rec: MessageRecord): { smsc: string; smscIds: string[] } | string => {
    const smscIds = rec.smscIds.map((id, i) => rec.rawSmscIds?.[i] ?? id);
    if (!rec.smsc || smscIds.length === 0 || smscIds.some((id) => !id)) return 'the SMSC has not acknowledged every part';
    return { smsc: rec.smsc, smscIds: smscIds as string[] };
  };

  const ask = async (op: SmscOp, fail: number): Promise<ForwardOutcome> => {
    try {
      return await client.request(op);
    } catch (err) {
      if (err instanceof SmscOpTimeoutError) return { status: fail, reason: err.message };
      throw err;
    }
  };

  return {
    async cancel(rec, serviceType) {
      const t = target(rec);
      if (typeof t === 'string') return { status: STATUS.ESME_RCANCELFAIL, reason: t };
      return ask({ op: 'cancel', ...t, msgId: rec.id, src: rec.src, dst: rec.dst, serviceType }, STATUS.ESME_RCANCELFAIL);
    },
    async replace(rec, f) {
      const t = target(rec);
      if (typeof t === 'string') return { status: STATUS.ESME_RREPLACEFAIL, reason: t };
      // The sender re-encodes the new text from the client's data_coding into the SMSC's.
      if (rec.dc === undefined || rec.sdc === undefined) {
        return { status: STATUS.ESME_RREPLACEFAIL, reason: 'the record does not say which data_coding the client and the SMSC used' };
      }
      const op: SmscOp = {
        op: 'replace', ...t, msgId: rec.id, src: rec.src, dst: rec.dst, segments: rec.segments,
        sm: f.sm.toString('base64'), dc: rec.dc, sdc: rec.sdc, schedule: f.schedule, validity: f.validity,
      };
      return ask(op, STATUS.ESME_RREPLACEFAIL);
    },
    close: () => client.close(),
  };
}
