import { describe, expect, it } from 'vitest';
import type { InEntry } from '@smsgw/contracts';
import { STATUS, type Pdu } from '@smsgw/smpp';
import { createSubmitHandler } from './submit-handler';

const pdu = { command: 'submit_sm', seq: 1, status: 0, source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, destination_addr: '447700900123', short_message: Buffer.from('x'), tlvs: [] } as unknown as Pdu;

describe('submit: each client bounded by its own backlog (clients[].maxBacklog)', () => {
  it('answers ESME_RMSGQFUL to the client over its bound, queues nothing and takes no rate token; other clients go on', async () => {
    const queued: InEntry[] = [];
    const rateAsked: string[] = [];
    const submit = createSubmitHandler({
      enqueue: async (e) => void queued.push(e),
      backlogFull: () => false,
      clientFull: (sys) => sys === 'flood',
      allow: (sys) => (rateAsked.push(sys), true),
    });
    expect(await submit(pdu, 'flood')).toMatchObject({ status: STATUS.ESME_RMSGQFUL, reason: expect.stringContaining('maxBacklog') });
    expect(await submit(pdu, 'calm')).toMatchObject({ status: STATUS.ESME_ROK });
    expect(queued.map((e) => e.sys)).toEqual(['calm']);
    expect(rateAsked).toEqual(['calm']);
  });
});
