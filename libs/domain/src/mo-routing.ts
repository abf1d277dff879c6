/**
 * Mobile-originated messages go to the client that owns the destination number or short code
 * (config `clients[].moNumbers`: exact digits, or a prefix ending in `*`). Exact numbers win,
 * then the longest prefix.
 */
export function createMoRouter(clients: ReadonlyArray<{ systemId: string; moNumbers: readonly string[] }>): (destination: string) => string | null {
  const exact = new Map<string, string>();
  const prefixes: Array<[string, string]> = [];
  for (const c of clients) {
    for (const n of c.moNumbers) {
      if (n.endsWith('*')) prefixes.push([n.slice(0, -1), c.systemId]);
      else exact.set(n, c.systemId);
    }
  }
  prefixes.sort((a, b) => b[0].length - a[0].length);
  return (destination) => {
    const digits = destination.replace(/^\+/, '').replace(/^00/, '');
    return exact.get(digits) ?? prefixes.find(([p]) => digits.startsWith(p))?.[1] ?? null;
  };
}
