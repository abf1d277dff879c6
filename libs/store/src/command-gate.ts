/**
 * A bound on the store commands one process has in flight. The Aerospike client refuses a
 * command outright (ERR_NO_MORE_CONNECTIONS) once a node's async pool (`maxConnsPerNode`) is
 * used up; commands beyond the gate's bound wait here, in order, instead of failing.
 */
export interface CommandGate {
  run<T>(fn: () => Promise<T>): Promise<T>;
  readonly max: number;
  readonly inFlight: number;
  /** Commands waiting for a slot. */
  readonly queued: number;
  /** The highest number in flight at once since the gate was made (tests, metrics). */
  readonly peak: number;
}

export function createCommandGate(max: number): CommandGate {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`the command bound must be an integer ≥ 1, got ${max}`);
  let inFlight = 0;
  let peak = 0;
  const waiting: Array<() => void> = [];

  const release = () => {
    const next = waiting.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else inFlight--;
  };

  return {
    max,
    get inFlight() {
      return inFlight;
    },
    get queued() {
      return waiting.length;
    },
    get peak() {
      return peak;
    },
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (inFlight < max) {
        inFlight++;
        peak = Math.max(peak, inFlight);
      } else {
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}
