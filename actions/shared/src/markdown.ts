/**
 * Markdown builders for job summaries, reports and comments. They return strings so the same text
 * can go to the summary, an output and a pull-request comment, and can be unit-tested as values.
 */

/** Escape what would break a table cell: pipes and line breaks. */
export function cell(value: unknown): string {
  return String(value ?? '')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
}

export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const head = `| ${headers.map(cell).join(' | ')} |`;
  const rule = `| ${headers.map(() => '---').join(' | ')} |`;
  const body = rows.map((row) => `| ${headers.map((_, i) => cell(row[i])).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

/** A two-column table of names and values; entries with an undefined value are left out. */
export function keyValueTable(
  entries: readonly (readonly [string, unknown])[],
  headers: [string, string] = ['', ''],
): string {
  return table(
    headers,
    entries.filter(([, value]) => value !== undefined),
  );
}

export function details(summary: string, body: string, { open = false } = {}): string {
  return `<details${open ? ' open' : ''}><summary>${escapeHtml(summary)}</summary>\n\n${body}\n\n</details>`;
}

export function link(text: string, url: string): string {
  return `[${text.replace(/[[\]]/g, '\\$&')}](${url.replace(/[()\s]/g, encodeURIComponent)})`;
}

export function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${text}${fence}`;
}

/** A fenced block; the fence grows past any run of backticks inside the text. */
export function codeBlock(text: string, language = ''): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text}\n${fence}`;
}

export function heading(text: string, level = 2): string {
  return `${'#'.repeat(level)} ${text}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Join blocks with blank lines, dropping empty ones. */
export function blocks(...parts: (string | undefined | false)[]): string {
  return parts.filter((part): part is string => typeof part === 'string' && part !== '').join('\n\n');
}
