import { describe, expect, it } from 'vitest';
import type { InEntry } from '@smsgw/contracts';
import { listCandidates, normaliseListEntry } from '@smsgw/domain';
import { STATUS, type Pdu } from '@smsgw/smpp';
import { createSubmitHandler, validateSubmit } from './submit-handler';

const submitSm = (over: Partial<Pdu>): Pdu =>
  ({
    command: 'submit_sm', seq: 1, status: 0,
    source_addr_ton: 5, source_addr_npi: 0, source_addr: 'ACME',
    dest_addr_ton: 2, dest_addr_npi: 1, destination_addr: '07700 900123',
    short_message: Buffer.from('hi'), tlvs: [],
    ...over,
  }) as unknown as Pdu;

const entryOf = (r: ReturnType<typeof validateSubmit>): InEntry => {
  if (!('entry' in r)) throw new Error(`refused: ${r.reason}`);
  return r.entry;
};

describe('submit: national numbers with the client defaultCountryCode', () => {
  it('a national destination (TON 2) becomes E.164 in `norm`; the address as sent is kept', () => {
    const e = entryOf(validateSubmit(submitSm({}), 'acme', 'id-1', Date.UTC(2026, 0, 1), undefined, { defaultCountryCode: '44' }));
    expect(e.dst).toEqual({ ton: 2, npi: 1, addr: '07700 900123', norm: '447700900123' });
    // The sender ID is checked and sent as given.
    expect(e.src).toEqual({ ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' });
  });

  it('a numeric sender with the trunk prefix (TON 0) becomes E.164 too; a short code does not', () => {
    const at = Date.UTC(2026, 0, 1);
    const opts = { defaultCountryCode: '44' };
    expect(entryOf(validateSubmit(submitSm({ source_addr_ton: 0, source_addr: '01632960001' }), 'acme', 'id', at, undefined, opts)).src.norm).toBe('441632960001');
    expect(entryOf(validateSubmit(submitSm({ source_addr_ton: 0, source_addr: '80088' }), 'acme', 'id', at, undefined, opts)).src.norm).toBe('80088');
  });

  it('a blacklist entry in E.164 (exact or as a prefix) matches the national-format destination', () => {
    const e = entryOf(validateSubmit(submitSm({ dest_addr_ton: 0, destination_addr: '07700900123' }), 'acme', 'id', Date.UTC(2026, 0, 1), undefined, { defaultCountryCode: '44' }));
    // The policy worker asks its lists for these candidates of `dst.norm` (libs/mcp policy-lookups.ts).
    const candidates = listCandidates(e.dst.norm);
    expect(candidates).toContain(normaliseListEntry('447700900123'));
    expect(candidates).toContain('447700*');
    // Without the country code the same number would have slipped past the E.164 entry.
    const plain = entryOf(validateSubmit(submitSm({ dest_addr_ton: 0, destination_addr: '07700900123' }), 'acme', 'id', Date.UTC(2026, 0, 1)));
    expect(listCandidates(plain.dst.norm)).not.toContain('447700900123');
  });

  it('createSubmitHandler takes each client options: one client normalises, another keeps national form', async () => {
    const queued: InEntry[] = [];
    const submit = createSubmitHandler({
      enqueue: async (e) => void queued.push(e),
      backlogFull: () => false,
      addressing: (sys) => (sys === 'uk' ? { defaultCountryCode: '44' } : undefined),
    });
    expect(await submit(submitSm({}), 'uk')).toMatchObject({ status: STATUS.ESME_ROK });
    expect(await submit(submitSm({}), 'other')).toMatchObject({ status: STATUS.ESME_ROK });
    expect(queued.map((e) => [e.sys, e.dst.norm])).toEqual([['uk', '447700900123'], ['other', '07700900123']]);
  });

  it('a national number too long for E.164 is refused with ESME_RINVDSTADR', async () => {
    const r = validateSubmit(submitSm({ destination_addr: '0123456789012345' }), 'acme', 'id', Date.UTC(2026, 0, 1), undefined, { defaultCountryCode: '44' });
    expect(r).toMatchObject({ status: STATUS.ESME_RINVDSTADR, reason: 'destination is not a valid national number' });
  });
});
