/** What a link offers the choice: whether it has a bound session. */
export interface Choosable {
  id: string;
  boundCount: number;
}

/**
 * The link a message goes over: among the route's primaries with a bound session, by weight —
 * smooth weighted round robin (nginx's), so the split is exact over any run, not a coin toss —
 * then, only while no primary is bound, among the bound backups; with nothing bound, a primary
 * to wait on. The state is kept per set of candidates, so links dropping out and coming back
 * re-balance at once.
 */
export function createLinkChooser<L extends Choosable>() {
  const current = new Map<string, Map<string, number>>();

  const smooth = (links: L[], weights: number[]): L => {
    if (links.length === 1) return links[0]!;
    const key = links.map((l) => l.id).join('\0');
    let cur = current.get(key);
    if (!cur) current.set(key, (cur = new Map()));
    let total = 0;
    let best: L | undefined;
    let bestW = -Infinity;
    links.forEach((l, i) => {
      const w = weights[i] ?? 1;
      total += w;
      const c = (cur.get(l.id) ?? 0) + w;
      cur.set(l.id, c);
      if (c > bestW) [best, bestW] = [l, c];
    });
    cur.set(best!.id, bestW - total);
    return best!;
  };

  return (primaries: Array<L | undefined>, weights: readonly number[] | undefined, backups: Array<L | undefined> = []): L | undefined => {
    const bound: L[] = [];
    const w: number[] = [];
    primaries.forEach((l, i) => {
      if (l && l.boundCount > 0) {
        bound.push(l);
        w.push(weights?.[i] ?? 1);
      }
    });
    if (bound.length) return smooth(bound, w);
    const boundBackups = backups.filter((l): l is L => !!l && l.boundCount > 0);
    if (boundBackups.length) return smooth(boundBackups, boundBackups.map(() => 1));
    return primaries.find((l): l is L => !!l) ?? backups.find((l): l is L => !!l);
  };
}
