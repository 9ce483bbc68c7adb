/**
 * How user-given text may appear in what an action prints or stores. Pure and dependency-free, so
 * input readers can use it before anything heavy is loaded.
 */

/**
 * Characters that change how a value reads without being seen: C0 controls but tab and line feed,
 * DEL, C1 controls, the bidirectional embeddings, overrides, isolates and marks (Trojan Source),
 * the Unicode line and paragraph separators (line breaks to JavaScript and many log viewers), and
 * the byte-order mark. A carriage return is allowed only as part of CRLF.
 */
// Control characters are what this pattern is for.
const INVISIBLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF]|\r(?!\n)/u;
const INVISIBLE_OR_LINE_BREAK = new RegExp(`${INVISIBLE.source}|[\\r\\n]`, 'u');

const NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x0d: 'CARRIAGE RETURN',
  0x0a: 'LINE FEED',
  0x1b: 'ESCAPE',
  0x7f: 'DELETE',
  0x061c: 'ARABIC LETTER MARK',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x2028: 'LINE SEPARATOR',
  0x2029: 'PARAGRAPH SEPARATOR',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
  0xfeff: 'BYTE ORDER MARK',
};

export interface FoundCharacter {
  /** 1-based position in the value, counted in characters. */
  position: number;
  /** `U+202E RIGHT-TO-LEFT OVERRIDE`, say. */
  description: string;
}

function describe(char: string): string {
  const point = char.codePointAt(0) ?? 0;
  const hex = point.toString(16).toUpperCase().padStart(4, '0');
  const name = NAMES[point] ?? (point < 0x20 || (point >= 0x80 && point < 0xa0) ? 'CONTROL CHARACTER' : undefined);
  return name ? `U+${hex} ${name}` : `U+${hex}`;
}

/**
 * The first character in `value` that must not be there: any invisible one, and with
 * `singleLine` also a line break. Undefined when the value is clean.
 */
export function findInvisible(value: string, { singleLine = false } = {}): FoundCharacter | undefined {
  const first = (singleLine ? INVISIBLE_OR_LINE_BREAK : INVISIBLE).exec(value);
  if (!first) return undefined;
  return { position: Array.from(value.slice(0, first.index)).length + 1, description: describe(first[0]) };
}

/** How many characters of a user's value an error or log line may quote before it is cut. */
export const SHOWN_CHARACTERS = 80;

/**
 * A value quoted for an error or a log line: in single quotes, anything invisible escaped as
 * `\u{…}`, cut after `max` characters with how much was left out, so no line ever echoes an input
 * whole or carries a control character into the log.
 */
export function shown(value: string, max = SHOWN_CHARACTERS): string {
  const chars = Array.from(value);
  const kept = chars.slice(0, max).join('');
  const escaped = kept.replace(new RegExp(`${INVISIBLE.source}|[\\r\\n\\t]`, 'gu'), (char) =>
    char === '\n' ? '\\n' : char === '\t' ? '\\t' : `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`,
  );
  const cut = chars.length - max;
  return cut > 0 ? `'${escaped}…' (${cut} more characters not shown)` : `'${escaped}'`;
}

/**
 * Cut text to at most `maxBytes` of UTF-8, on a character boundary, ending with a line that says
 * how much was cut. Text that fits is returned as it is.
 */
export function capBytes(text: string, maxBytes: number, what = 'text'): string {
  const size = Buffer.byteLength(text, 'utf8');
  if (size <= maxBytes) return text;
  const note = (cut: number) => `\n… ${what} cut: ${cut} of ${size} bytes not shown (limit ${maxBytes} bytes)`;
  const budget = Math.max(0, maxBytes - Buffer.byteLength(note(size), 'utf8'));
  let kept = Buffer.from(text, 'utf8').subarray(0, budget).toString('utf8');
  // A multi-byte character cut in half decodes to U+FFFD: drop it.
  if (kept.endsWith('\uFFFD') && !text.startsWith(kept)) kept = kept.slice(0, -1);
  return `${kept}${note(size - Buffer.byteLength(kept, 'utf8'))}`;
}
