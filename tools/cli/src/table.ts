export type Cell = string | number | boolean | null | undefined;

/**
 * A cell as it is printed: missing values as "-", and control characters escaped, since values
 * come from the API and ultimately from SMPP clients (an address or a message id with an escape
 * sequence must not drive the operator's terminal).
 */
export function cellText(v: Cell): string {
  if (v === null || v === undefined || v === '') return '-';
  return String(v).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Width in terminal columns, counting code points (not UTF-16 units); wide CJK and emoji count 1. */
const width = (s: string) => [...s].length;

/**
 * Rows under a header in columns two spaces apart; a column of numbers only is right-aligned.
 * No borders, no colour: output that reads in a terminal and greps in a pipe.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = [headers.map((h) => cellText(h)), ...rows.map((r) => headers.map((_, i) => cellText(r[i])))];
  const numeric = headers.map((_, i) => rows.some((r) => typeof r[i] === 'number') && rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined));
  const widths = headers.map((_, i) => Math.max(...text.map((r) => width(r[i]!))));
  return text
    .map((r) =>
      r
        .map((c, i) => {
          const pad = ' '.repeat(widths[i]! - width(c));
          return numeric[i] ? pad + c : c + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `key  value` lines with the values aligned; pairs whose value is undefined are left out. */
export function formatFields(pairs: ReadonlyArray<readonly [string, Cell]>): string {
  const shown = pairs.filter(([, v]) => v !== undefined);
  const w = Math.max(0, ...shown.map(([k]) => width(k)));
  return shown.map(([k, v]) => `${k}${' '.repeat(w - width(k))}  ${cellText(v)}`.trimEnd()).join('\n');
}
