import { STATUS } from '@smsgw/smpp';

/**
 * What a submit_sm_resp error means for the message:
 *   throttle  — the SMSC is over its rate: the link slows down, the part goes again first;
 *   retry     — temporary: the part goes again after a backoff (delivery.retry);
 *   session   — the session is bad (bind state, generic_nack): rebind, then resend;
 *   permanent — the message ends UNDELIVERABLE with the SMSC's status in its receipt.
 */
export type SubmitErrorClass = 'throttle' | 'retry' | 'session' | 'permanent';

/** An SMSC's own table (`smscs[].errors`): statuses listed here take that class. */
export interface SubmitErrorConfig {
  retry?: readonly number[];
  throttle?: readonly number[];
  permanent?: readonly number[];
}

/** SMPP.md defaults: throttling and queue full slow the link; system, application and submit errors are retried. */
export const DEFAULT_THROTTLE: readonly number[] = [STATUS.ESME_RTHROTTLED, STATUS.ESME_RMSGQFUL];
export const DEFAULT_RETRY: readonly number[] = [STATUS.ESME_RSYSERR, STATUS.ESME_RX_T_APPN, STATUS.ESME_RSUBMITFAIL];

export type SubmitErrorTable = (status: number, command?: string) => SubmitErrorClass;

/** The classifier of one SMSC: its table first, then the defaults; anything unlisted is permanent. */
export function createSubmitErrorTable(cfg: SubmitErrorConfig = {}): SubmitErrorTable {
  const own = new Map<number, SubmitErrorClass>();
  for (const cls of ['retry', 'throttle', 'permanent'] as const) for (const s of cfg[cls] ?? []) own.set(s, cls);
  return (status, command = 'submit_sm_resp') => {
    if (command === 'generic_nack') return 'session';
    const c = own.get(status);
    if (c) return c;
    if (status === STATUS.ESME_RINVBNDSTS) return 'session';
    if (DEFAULT_THROTTLE.includes(status)) return 'throttle';
    if (DEFAULT_RETRY.includes(status)) return 'retry';
    return 'permanent';
  };
}

/** The default table (no per-SMSC entries). */
export const classifySubmitStatus: SubmitErrorTable = createSubmitErrorTable();
