import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) this reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>;
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileEntry {
  /** `fn (file:line)`; `(program)`, `(garbage collector)`, `(idle)` as V8 names them. */
  where: string;
  /** Share of the profile's busy (non-idle) time spent in the function itself. */
  selfPct: number;
  selfMs: number;
}

/** Where the time went by group: our code, its dependencies, Node itself, GC. */
export interface ProfileSummary {
  busyMs: number;
  top: ProfileEntry[];
  byArea: Record<'ours' | 'dependencies' | 'node' | 'gc' | 'other', number>;
}

const areaOf = (url: string, fn: string): keyof ProfileSummary['byArea'] => {
  if (fn === '(garbage collector)') return 'gc';
  if (url.includes('/node_modules/')) return 'dependencies';
  if (url.startsWith('node:') || (!url && fn !== '(program)')) return 'node';
  // Our sources, or their bundles (dist/<app>/main.js: npm packages stay outside them).
  if (/\/(apps|libs|tools|dist)\//.test(url)) return 'ours';
  return 'other';
};

/** Microseconds from the profile's start: only the samples taken between them count. */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/**
 * Self time per function of one profile, from its samples and their time deltas (hitCount when
 * a profile has no deltas), largest first; idle time is left out of the shares. With `window`,
 * only the samples inside it count (the bench's measured run, not the process' start-up and
 * shutdown); a profile without time deltas cannot be cut and counts whole.
 */
export function summariseProfile(p: CpuProfile, root: string, topN = 15, window?: ProfileWindow): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  if (p.samples?.length && p.timeDeltas?.length) {
    // timeDeltas[i] is the time before sample i: it belongs to the sample before it.
    let at = 0;
    for (let i = 0; i < p.samples.length; i++) {
      at += p.timeDeltas[i] ?? 0;
      if (window && (at < window.fromUs || at > window.toUs)) continue;
      const dt = p.timeDeltas[i + 1] ?? 0;
      self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
    }
  } else {
    const total = p.endTime - p.startTime;
    const hits = p.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0) || 1;
    for (const n of p.nodes) self.set(n.id, ((n.hitCount ?? 0) * total) / hits);
  }
  const byWhere = new Map<string, { us: number; area: keyof ProfileSummary['byArea'] }>();
  const byArea: ProfileSummary['byArea'] = { ours: 0, dependencies: 0, node: 0, gc: 0, other: 0 };
  let busy = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n || n.callFrame.functionName === '(idle)') continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const file = url.startsWith('file://') ? relative(root, url.slice(7)) : url;
    const where = file ? `${functionName || '(anonymous)'} (${file}:${lineNumber + 1})` : functionName;
    const area = areaOf(url, functionName);
    const e = byWhere.get(where) ?? { us: 0, area };
    e.us += us;
    byWhere.set(where, e);
    byArea[area] += us;
    busy += us;
  }
  const pct = (us: number) => Math.round((us / (busy || 1)) * 1000) / 10;
  const top = [...byWhere].sort((a, b) => b[1].us - a[1].us).slice(0, topN).map(([where, e]) => ({ where, selfPct: pct(e.us), selfMs: Math.round(e.us / 1000) }));
  return {
    busyMs: Math.round(busy / 1000),
    top,
    byArea: Object.fromEntries(Object.entries(byArea).map(([k, v]) => [k, pct(v)])) as ProfileSummary['byArea'],
  };
}

/**
 * Every `.cpuprofile` of a folder (`--cpu-prof-dir`), summarised; `windowOf` gives a file's
 * window (by its name, which holds the pid), or none to count it whole.
 */
export function summariseDir(dir: string, root: string, topN = 15, windowOf?: (file: string) => ProfileWindow | undefined): Record<string, ProfileSummary> {
  const out: Record<string, ProfileSummary> = {};
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile')).sort()) {
    out[f] = summariseProfile(JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile, root, topN, windowOf?.(f));
  }
  return out;
}
