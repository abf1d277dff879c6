/**
 * Redis key names shared by every app. Every key starts with the configured prefix; the
 * stream names are those of ARCHITECTURE.md.
 */
export interface StreamNames {
  readonly in: string;
  out(pool: string): string;
  readonly dlrIn: string;
  dlr(systemId: string): string;
  readonly journal: string;
  /** Dead-letter stream of entries that failed too often (poison entries). */
  readonly dead: string;
}

export function streamNames(prefix: string): StreamNames {
  return {
    in: `${prefix}:in`,
    out: (pool) => `${prefix}:out:${pool}`,
    dlrIn: `${prefix}:dlr-in`,
    // Hash tag {system_id}: the receipt dedupe key lives in the same slot (Redis Cluster).
    dlr: (systemId) => `${prefix}:dlr:{${systemId}}`,
    journal: `${prefix}:journal`,
    dead: `${prefix}:dead`,
  };
}

/**
 * A counter of the SMSC receipts the senders have written to `dlr-in` (INCRBY per write): an
 * entry of `dlr-in` may carry several receipts, so its entry count is not theirs.
 */
export const receiptsInKey = (prefix: string) => `${prefix}:dlr-in:receipts`;

/** Consumer group of each stage (ARCHITECTURE.md). */
export const GROUPS = {
  policy: 'policy',
  sender: 'sender',
  dlr: 'dlr',
  journal: 'journal',
  ingress: 'ingress',
} as const;

/** Every stream entry carries one field holding the JSON-encoded entry (compact, one parse). */
export const ENTRY_FIELD = 'd';
