import { RE2JS } from 're2js';

/**
 * Content-deny patterns come from the operator but run on client text (up to ~34 K characters
 * per message). A backtracking engine takes exponential time on patterns like `(\w+\s?)+$`, so
 * they run on RE2 (re2js, a pure-JS port): time linear in the text, whatever the pattern. RE2
 * has no backreferences and no lookaround; such a pattern is refused when the config loads.
 */

/**
 * A rule looks at the first CONTENT_SCAN_MAX_CHARS characters of a message (about 65 GSM
 * segments), so one message costs a bounded amount of matching however long it is.
 */
export const CONTENT_SCAN_MAX_CHARS = 10_000;

/** What the policy needs of a compiled content rule (a RegExp fits too). */
export interface ContentMatcher {
  test(text: string): boolean;
  readonly source: string;
}

/** The config flags (`i m s u`) as RE2 flags; RE2 always matches by code point, so `u` is implied. */
function re2Flags(flags: string): number {
  let f = 0;
  if (flags.includes('i')) f |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) f |= RE2JS.MULTILINE;
  if (flags.includes('s')) f |= RE2JS.DOTALL;
  return f;
}

/** Compiles a content-deny pattern for RE2; throws an Error saying why RE2 cannot take it. */
export function compileContentPattern(pattern: string, flags: string): ContentMatcher {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, re2Flags(flags));
  } catch (err) {
    throw new Error(`not accepted by the linear-time RE2 engine (it has no backreferences or lookaround): ${(err as Error).message}`);
  }
  return { source: pattern, test: (text) => re.matcher(text).find() };
}

/** Why RE2 refuses the pattern, or null when it compiles (for config validation). */
export function contentPatternError(pattern: string, flags: string): string | null {
  try {
    compileContentPattern(pattern, flags);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The part of a message text content rules look at (CONTENT_SCAN_MAX_CHARS), not splitting a surrogate pair. */
export function contentScanText(text: string): string {
  if (text.length <= CONTENT_SCAN_MAX_CHARS) return text;
  const end = /[\uD800-\uDBFF]/.test(text[CONTENT_SCAN_MAX_CHARS - 1]!) ? CONTENT_SCAN_MAX_CHARS - 1 : CONTENT_SCAN_MAX_CHARS;
  return text.slice(0, end);
}
