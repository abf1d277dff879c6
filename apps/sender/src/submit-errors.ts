import { STATUS } from '@smsgw/smpp';

export type SubmitErrorClass = 'temporary' | 'session' | 'permanent';

/**
 * Default classification of submit_sm_resp errors (SMPP.md): throttling, queue full, system
 * error, temporary application error and submit failure are retried; a bind-state error means
 * the session is bad; everything else is permanent. Per-SMSC tables come with their own issue.
 */
const TEMPORARY = new Set<number>([
  STATUS.ESME_RTHROTTLED,
  STATUS.ESME_RMSGQFUL,
  STATUS.ESME_RSYSERR,
  STATUS.ESME_RX_T_APPN,
  STATUS.ESME_RSUBMITFAIL,
]);

export function classifySubmitStatus(status: number, command = 'submit_sm_resp'): SubmitErrorClass {
  if (command === 'generic_nack' || status === STATUS.ESME_RINVBNDSTS) return 'session';
  if (TEMPORARY.has(status)) return 'temporary';
  return 'permanent';
}
