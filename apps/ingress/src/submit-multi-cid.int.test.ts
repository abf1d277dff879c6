import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { inEntrySchema, streamNames } from '@smsgw/contracts';
import { clientSchema, createAppMetrics, createMetricsRegistry } from '@smsgw/platform';
import { createClientBacklog, createMultiIds } from '@smsgw/redis';
import { STATUS, TLV, uint16Tlv, type MultiDestination, type PduInit } from '@smsgw/smpp';
import { createRedisStateStore } from '@smsgw/store';
import { connectTestClient, redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { createBindLockout } from './bind-lockout';
import { createIdempotentSubmitMulti } from './idempotency';
import { createIngressServer } from './ingress-server';
import { createQueryHandler } from './query-handler';
import { createSubmitHandler } from './submit-handler';
import { createSubmitMultiHandler } from './submit-multi';

const clients = [
  clientSchema.parse({ systemId: 'acme', password: 'acmepw', maxBinds: 5, idempotency: { key: 'user_message_reference', windowMs: 60_000 } }),
  clientSchema.parse({ systemId: 'globex', password: 'globexpw', maxBinds: 5 }),
];
const session = { window: 10, sessionInitMs: 2_000, enquireLinkMs: 0, inactivityMs: 0, responseTimeoutMs: 2_000, receiptWindow: 10 };
const GOOD = ['447700900001', '447700900002', '447700900003'];
const BAD = '44770abc';

/** A submit_multi (§4.5.1) to `dests`, with the client's user_message_reference 7. */
const multi = (dests: string[]): PduInit => ({
  command: 'submit_multi',
  source_addr_ton: 5, source_addr_npi: 0, source_addr: 'ACME',
  dest_addresses: dests.map((d): MultiDestination => ({ dest_flag: 1, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: d })),
  registered_delivery: 1,
  short_message: Buffer.from('to all of you'),
  tlvs: [uint16Tlv(TLV.user_message_reference, 7)],
});

describe("ingress: a submit_multi's message_id over SMPP (query_sm by it, a retried submit_multi), real Redis", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** The ingress with submit_multi and query_sm as main.ts wires them (idempotency, the cid's ids). */
  async function setup() {
    const ns: RedisNamespace = await redisNamespace('ingress-multi-cid');
    cleanups.push(ns.cleanup);
    const names = streamNames(ns.prefix);
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    const multiIds = createMultiIds(ns.redis, ns.prefix);
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const server = createIngressServer({
      host: '127.0.0.1', port: 0, clients, session,
      submit: createSubmitHandler({ enqueue: (e) => backlog.enqueue(names.in, e), backlogFull: () => false }),
      submitMulti: createIdempotentSubmitMulti(
        createSubmitMultiHandler({ enqueueAll: (es) => backlog.enqueueAll(names.in, es), recordIds: multiIds.record, backlogFull: () => false }),
        { redis: ns.redis, prefix: ns.prefix, options: (sys) => clients.find((c) => c.systemId === sys)?.idempotency },
      ),
      query: createQueryHandler(store, (sys, id) => backlog.has(sys, id), (sys, id) => backlog.isCancelled(sys, id), multiIds.idsOf),
      receipts: { attach: () => undefined, detach: () => undefined },
      metrics: createAppMetrics(createMetricsRegistry('ingress-multi-cid')),
      logger: pino({ level: 'silent' }),
      auth: { lockout: createBindLockout(ns.redis, ns.prefix, { maxFailures: 5, windowMs: 60_000, lockoutMs: 60_000, maxLockoutMs: 600_000 }), failureDelayMs: 0 },
    });
    const port = await server.start();
    cleanups.push(() => server.close());
    const bind = async (systemId: string, password: string) => {
      const c = await connectTestClient({ host: '127.0.0.1', port, systemId, password, mode: 'transceiver' });
      cleanups.push(() => c.close());
      return c;
    };
    const inEntries = async () => ((await ns.redis.xrange(names.in, '-', '+')) as [string, string[]][]).map(([, f]) => inEntrySchema.parse(JSON.parse(f[1]!)));
    return { bind, inEntries };
  }

  it('query_sm by the message_id right after the ESME_ROK: ENROUTE; for another client: ESME_RQUERYFAIL', async () => {
    const { bind } = await setup();
    const acme = await bind('acme', 'acmepw');
    const globex = await bind('globex', 'globexpw');
    const resp = await acme.session.request(multi(GOOD));
    expect(resp).toMatchObject({ command: 'submit_multi_resp', status: STATUS.ESME_ROK });
    const query = { command: 'query_sm' as const, message_id: resp.message_id!, source_addr_ton: 5, source_addr: 'ACME' };
    expect(await acme.session.request(query)).toMatchObject({ command: 'query_sm_resp', status: STATUS.ESME_ROK, message_id: resp.message_id, final_date: '', message_state: 1, error_code: 0 });
    expect(await globex.session.request(query)).toMatchObject({ command: 'query_sm_resp', status: STATUS.ESME_RQUERYFAIL });
  });

  it('a retried submit_multi (same user_message_reference) gets the same message_id and unsuccess_sme list; one set of messages in `in`', async () => {
    const { bind, inEntries } = await setup();
    const acme = await bind('acme', 'acmepw');
    const first = await acme.session.request(multi([GOOD[0]!, BAD, GOOD[1]!, GOOD[2]!]));
    const retry = await acme.session.request(multi([GOOD[0]!, BAD, GOOD[1]!, GOOD[2]!]));
    const unsuccess = [{ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: BAD, error_status_code: STATUS.ESME_RINVDSTADR }];
    expect(first).toMatchObject({ status: STATUS.ESME_ROK, no_unsuccess: 1, unsuccess_smes: unsuccess });
    expect(retry).toMatchObject({ status: STATUS.ESME_ROK, message_id: first.message_id, no_unsuccess: 1, unsuccess_smes: unsuccess });
    const entries = await inEntries();
    expect(entries.map((e) => e.dst.norm)).toEqual(GOOD);
    expect(entries.every((e) => e.cid === first.message_id)).toBe(true);
  });
});
