import type { MessageState } from '@smsgw/contracts';

/** Severity order for an aggregated receipt: the worst part state wins. */
const SEVERITY: MessageState[] = ['REJECTED', 'UNDELIVERABLE', 'FAILED', 'EXPIRED', 'DELETED', 'UNKNOWN', 'POLICY_REJECTED'];

/** Final state of a whole message from its parts' final states (null = not final yet). */
export function aggregatePartStates(parts: readonly (MessageState | null)[]): MessageState | null {
  if (!parts.length || parts.some((p) => p === null)) return null;
  if (parts.every((p) => p === 'DELIVERED')) return 'DELIVERED';
  for (const s of SEVERITY) if (parts.includes(s)) return s;
  return 'UNKNOWN';
}

/**
 * registered_delivery bits 0–1 (SMPP v3.4 §5.2.17): 00 no receipt, 01 receipt on success or
 * failure, 10 receipt on failure only.
 */
export function wantsReceipt(registeredDelivery: number, state: MessageState): boolean {
  const mode = registeredDelivery & 0x03;
  if (mode === 1) return true;
  if (mode === 2) return state !== 'DELIVERED';
  return false;
}
