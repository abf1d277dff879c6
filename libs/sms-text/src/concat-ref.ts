/**
 * Concatenation references that rotate per destination: a handset reassembles by (originator,
 * reference), so consecutive long messages to one number must not share a reference while
 * parts may still be in flight (TS 23.040 §9.2.3.24.1). Each destination counts on from a random
 * start (a restarted sender does not replay references); the map is bounded, forgetting the
 * destination used least recently. Values are 16-bit; udh8 uses the low 8 bits.
 */
export function createConcatRefs(opts: { maxDestinations?: number; random?: () => number } = {}) {
  const max = opts.maxDestinations ?? 100_000;
  const random = opts.random ?? Math.random;
  const last = new Map<string, number>();
  return {
    next(destination: string): number {
      const prev = last.get(destination);
      const ref = prev === undefined ? Math.floor(random() * 0x10000) & 0xffff : (prev + 1) & 0xffff;
      last.delete(destination);
      last.set(destination, ref);
      if (last.size > max) last.delete(last.keys().next().value!);
      return ref;
    },
  };
}
