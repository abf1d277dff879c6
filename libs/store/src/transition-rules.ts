import { MESSAGE_STATES, canTransition, isFinalState, type MessageState } from '@smsgw/contracts';

/**
 * Every forward step of the lifecycle as `FROM>TO`, derived from `canTransition` of
 * @smsgw/contracts. The Redis scripts embed this table instead of a hand-copied rank table, so
 * the rule enforced inside Redis cannot drift from the one the rest of the code uses.
 */
export function forwardSteps(): string[] {
  const steps: string[] = [];
  for (const from of MESSAGE_STATES) {
    for (const to of MESSAGE_STATES) {
      if (canTransition(from, to)) steps.push(`${from}>${to}`);
    }
  }
  return steps;
}

export function isMessageState(s: string): s is MessageState {
  return (MESSAGE_STATES as readonly string[]).includes(s);
}

/** SMPP concatenation carries the part count in one octet (UDH IE 0x00/0x08), so ≤ 255 parts. */
export const MAX_PARTS = 255;

export function assertPartIndex(part: number): void {
  if (!Number.isInteger(part) || part < 0 || part >= MAX_PARTS) {
    throw new RangeError(`part index ${part} out of range 0..${MAX_PARTS - 1}`);
  }
}

export function assertFinalState(state: MessageState): void {
  // partStates holds final states only (null = not final yet); an intermediate receipt
  // (ENROUTE, ACCEPTED) is not a part outcome, so recording one here is a caller bug.
  if (!isFinalState(state)) throw new RangeError(`recordPartFinal needs a final state, got ${state}`);
}

/** `n` slots: the value of `byIndex[i]` or null. Used to build partStates and smscIds. */
export function denseParts<T>(n: number, byIndex: ReadonlyMap<number, T>): (T | null)[] {
  const out: (T | null)[] = [];
  for (let i = 0; i < n; i++) out.push(byIndex.get(i) ?? null);
  return out;
}

/** Stats day key: YYYY-MM-DD (UTC), as the interface documents. */
export function assertDay(day: string): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`day must be YYYY-MM-DD, got ${day}`);
}
