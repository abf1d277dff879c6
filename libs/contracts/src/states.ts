/**
 * Message lifecycle of ARCHITECTURE.md. A final state never changes again; `rank` orders the
 * non-final states so that a late or repeated event never moves a message backwards.
 */
export const MESSAGE_STATES = [
  'ACCEPTED',
  'SCHEDULED',
  'ROUTED',
  'SUBMITTED',
  'POLICY_REJECTED',
  'FAILED',
  'DELIVERED',
  'UNDELIVERABLE',
  'EXPIRED',
  'DELETED',
  'UNKNOWN',
  'REJECTED',
] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

/**
 * Every state but those a message passes through on its way (ARCHITECTURE.md lifecycle):
 * SCHEDULED is a message held until its schedule_delivery_time or the end of quiet hours.
 */
export const FINAL_STATES: ReadonlySet<MessageState> = new Set<MessageState>(
  MESSAGE_STATES.filter((s) => s !== 'ACCEPTED' && s !== 'SCHEDULED' && s !== 'ROUTED' && s !== 'SUBMITTED'),
);

const RANK: Record<MessageState, number> = {
  ACCEPTED: 0,
  SCHEDULED: 1,
  ROUTED: 2,
  SUBMITTED: 3,
  POLICY_REJECTED: 9,
  FAILED: 9,
  DELIVERED: 9,
  UNDELIVERABLE: 9,
  EXPIRED: 9,
  DELETED: 9,
  UNKNOWN: 9,
  REJECTED: 9,
};

export function isFinalState(s: MessageState): boolean {
  return FINAL_STATES.has(s);
}

/** True when moving from `from` to `to` is a forward step of the lifecycle. */
export function canTransition(from: MessageState, to: MessageState): boolean {
  if (isFinalState(from)) return false;
  return RANK[to] > RANK[from];
}

/** Receipt `stat:` words (SMPP v3.4 Appendix B) for each final state a client can see. */
export const RECEIPT_STAT: Record<MessageState, string> = {
  ACCEPTED: 'ACCEPTD',
  SCHEDULED: 'ENROUTE',
  ROUTED: 'ENROUTE',
  SUBMITTED: 'ENROUTE',
  POLICY_REJECTED: 'REJECTD',
  FAILED: 'UNDELIV',
  DELIVERED: 'DELIVRD',
  UNDELIVERABLE: 'UNDELIV',
  EXPIRED: 'EXPIRED',
  DELETED: 'DELETED',
  UNKNOWN: 'UNKNOWN',
  REJECTED: 'REJECTD',
};

/** message_state TLV (0x0427) values, SMPP v3.4 §5.2.28. */
export const MESSAGE_STATE_TLV: Record<MessageState, number> = {
  ACCEPTED: 6,
  SCHEDULED: 1, // v3.4 has no SCHEDULED (v5.0's 9): a held message is ENROUTE to the client
  ROUTED: 1,
  SUBMITTED: 1,
  POLICY_REJECTED: 8,
  FAILED: 5,
  DELIVERED: 2,
  UNDELIVERABLE: 5,
  EXPIRED: 3,
  DELETED: 4,
  UNKNOWN: 7,
  REJECTED: 8,
};

/** Receipt stat word (as an SMSC writes it) → our state. Unknown words map to UNKNOWN. */
export function stateFromStat(stat: string): MessageState | 'ENROUTE' | 'ACCEPTED' {
  switch (stat.trim().toUpperCase()) {
    case 'DELIVRD':
    case 'DELIVERED':
      return 'DELIVERED';
    case 'UNDELIV':
    case 'UNDELIVERABLE':
      return 'UNDELIVERABLE';
    case 'EXPIRED':
      return 'EXPIRED';
    case 'DELETED':
      return 'DELETED';
    case 'REJECTD':
    case 'REJECTED':
      return 'REJECTED';
    case 'ENROUTE':
      return 'ENROUTE';
    case 'ACCEPTD':
    case 'ACCEPTED':
      return 'ACCEPTED';
    default:
      return 'UNKNOWN';
  }
}

/** message_state TLV value → our state (1 ENROUTE and 6 ACCEPTED are intermediate). */
export function stateFromTlv(v: number): MessageState | 'ENROUTE' | 'ACCEPTED' {
  switch (v) {
    case 1:
      return 'ENROUTE';
    case 2:
      return 'DELIVERED';
    case 3:
      return 'EXPIRED';
    case 4:
      return 'DELETED';
    case 5:
      return 'UNDELIVERABLE';
    case 6:
      return 'ACCEPTED';
    case 8:
      return 'REJECTED';
    default:
      return 'UNKNOWN';
  }
}
