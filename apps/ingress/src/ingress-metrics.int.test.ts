import { describe, expect, it } from 'vitest';
import { clientSchema, type AppMetrics } from '@smsgw/platform';
import { STATUS } from '@smsgw/smpp';
import { useTestIngress } from './use-test-ingress';

const clients = [clientSchema.parse({ systemId: 'acme', password: 'acmepw' })];
const session = { window: 10, sessionInitMs: 2_000, enquireLinkMs: 0, inactivityMs: 0, responseTimeoutMs: 2_000, receiptWindow: 10 };
const submit = { source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, short_message: Buffer.from('m') };

const responseCount = async (metrics: AppMetrics, command: string) =>
  (await metrics.submitResponse.get()).values.find((v) => v.metricName === 'smsgw_submit_response_seconds_count' && v.labels.command === command)?.value ?? 0;
const perClient = async (metrics: AppMetrics) => (await metrics.clientSubmits.get()).values.map((v) => [v.labels.client, v.labels.outcome, v.value]);

describe('ingress metrics (real Redis, SMPP over TCP)', () => {
  const plain = useTestIngress('ingress-metrics', clients, session);
  const labelled = useTestIngress('ingress-metrics-clients', clients, session, { clientMetrics: true });

  it('times every submit\'s response by command; no per-client series unless asked for', async () => {
    const { ing, connect } = await plain();
    const c = await connect();
    expect((await c.submit({ ...submit, destination_addr: '447700900123' })).status).toBe(STATUS.ESME_ROK);
    expect((await c.submit({ ...submit, destination_addr: 'not a number' })).status).toBe(STATUS.ESME_RINVDSTADR);
    expect((await c.session.request({ command: 'data_sm', ...submit, destination_addr: '447700900123', short_message: undefined })).status).toBe(STATUS.ESME_ROK);
    expect(await responseCount(ing.metrics, 'submit_sm')).toBe(2);
    expect(await responseCount(ing.metrics, 'data_sm')).toBe(1);
    expect(await perClient(ing.metrics)).toEqual([]);
  });

  it('with http.peerLabels, counts submits per client and outcome', async () => {
    const { ing, connect } = await labelled();
    const c = await connect();
    await c.submit({ ...submit, destination_addr: '447700900123' });
    await c.submit({ ...submit, destination_addr: '447700900124' });
    await c.submit({ ...submit, destination_addr: 'not a number' });
    expect((await perClient(ing.metrics)).sort()).toEqual([['acme', 'accepted', 2], ['acme', `status_${STATUS.ESME_RINVDSTADR}`, 1]]);
  });
});
