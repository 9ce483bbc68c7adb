import { RE2JS } from 're2js';

/**
 * Regular expressions a user writes (`/.../flags` in expect-header and expect-json) run on RE2JS,
 * a pure-JavaScript port of RE2: matching takes time linear in the text whatever the pattern, so a
 * pattern such as `^(a+)+$` against a long body cannot hold the event loop (and with it every
 * timeout) the way a backtracking engine would. The price is the syntax RE2 cannot match in linear
 * time, backreferences and lookaround, which are refused when the checks are validated.
 */

export interface Pattern {
  /** As written between the slashes. */
  readonly source: string;
  /** The flags kept (`i`, `m`, `s`, `u`). */
  readonly flags: string;
  test(text: string): boolean;
  /** `/source/flags`, as the user wrote it (less the dropped flags). */
  toString(): string;
}

/** The longest pattern accepted: a smoke check needs no more, and it bounds compile work. */
export const PATTERN_MAX_LENGTH = 1000;

/** Syntax that needs backtracking, with what to call it in an error. */
const UNSUPPORTED: { pattern: RegExp; what: string }[] = [
  { pattern: /\(\?<?[=!]/, what: 'a lookahead or lookbehind ((?=, (?!, (?<=, (?<!)' },
  { pattern: /\\[1-9]/, what: 'a backreference (\\1 ... \\9)' },
  { pattern: /\\k</, what: 'a named backreference (\\k<name>)' },
];

/** Characters of `source` that are not escaped (the character after a backslash is dropped). */
function unescaped(source: string): string {
  return source.replace(/\\./gs, (escape) => (/^\\[1-9k]$/.test(escape) ? escape : '\\_'));
}

export function compilePattern(source: string, flags: string): Pattern | { error: string } {
  if (source.length > PATTERN_MAX_LENGTH) {
    return {
      error: `is a regular expression of ${source.length} characters, more than the ${PATTERN_MAX_LENGTH} allowed`,
    };
  }
  if (flags.includes('v'))
    return { error: "is a regular expression with the 'v' flag, which is not supported; use 'u'" };
  const visible = unescaped(source);
  for (const { pattern, what } of UNSUPPORTED) {
    if (pattern.test(visible)) {
      return {
        error: `is a regular expression that uses ${what}, which the linear-time engine (RE2) cannot evaluate`,
      };
    }
  }
  // `g`, `y` and `d` only matter to exec/lastIndex, which a yes/no test does not use.
  const kept = [...new Set(flags.replace(/[gyd]/g, ''))].sort().join('');
  let compiled: RE2JS;
  try {
    let engineFlags = 0;
    if (kept.includes('i')) engineFlags |= RE2JS.CASE_INSENSITIVE;
    if (kept.includes('m')) engineFlags |= RE2JS.MULTILINE;
    if (kept.includes('s')) engineFlags |= RE2JS.DOTALL;
    compiled = RE2JS.compile(RE2JS.translateRegExp(source), engineFlags);
  } catch (error) {
    const message = (error as Error).message.replace(/^error parsing regexp: /, '');
    return { error: `is not a valid regular expression (RE2 syntax): ${message.slice(0, 120)}` };
  }
  return {
    source,
    flags: kept,
    test: (text) => compiled.test(text),
    toString: () => `/${source}/${kept}`,
  };
}
