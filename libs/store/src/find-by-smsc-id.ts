import { normaliseSmscMsgId, type SmscIdFormat } from '@smsgw/domain';
import type { Correlation, StateStore } from './state-store';

/**
 * Finds a message by an SMSC message id as an operator pastes it: tried in the SMSC's submit
 * and receipt id formats (config `smscs[].ids`), then as text, so a hex id from a receipt finds
 * a message whose submit_sm_resp id was decimal.
 */
export async function findBySmscId(
  store: Pick<StateStore, 'findCorrelation'>,
  smsc: string,
  smscMsgId: string,
  ids?: { submit: SmscIdFormat; receipt: SmscIdFormat },
): Promise<Correlation | null> {
  for (const format of new Set([ids?.submit ?? 'text', ids?.receipt ?? 'text', 'text' as const])) {
    const corr = await store.findCorrelation(smsc, normaliseSmscMsgId(smscMsgId, format));
    if (corr) return corr;
  }
  return null;
}
