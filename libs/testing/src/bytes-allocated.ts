import { Session } from 'node:inspector/promises';
import type { HeapProfiler } from 'node:inspector';

let inspector: Session | undefined;

/**
 * Bytes allocated while `fn` runs, for benches: V8's sampling heap profiler with collected objects
 * included, so garbage counts and the figure does not depend on the machine's load. Buffer
 * contents outside the V8 heap are not counted, their Buffer objects are.
 */
export async function bytesAllocated(fn: () => unknown): Promise<number> {
  if (!inspector) {
    inspector = new Session();
    inspector.connect();
    await inspector.post('HeapProfiler.enable');
  }
  // Not in @types/node 20's protocol types; V8 11.3 (Node 20) honours both.
  const params = { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
  await inspector.post('HeapProfiler.startSampling', params as HeapProfiler.StartSamplingParameterType);
  await fn();
  const { profile } = await inspector.post('HeapProfiler.stopSampling');
  let sum = 0;
  const walk = (n: HeapProfiler.SamplingHeapProfileNode): void => {
    sum += n.selfSize;
    for (const c of n.children) walk(c);
  };
  walk(profile.head);
  return sum;
}

/** Disconnects the profiler's inspector session (at the end of a bench). */
export function closeBytesAllocated(): void {
  inspector?.disconnect();
  inspector = undefined;
}
