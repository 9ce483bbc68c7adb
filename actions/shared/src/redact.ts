/**
 * Secrets removed from text an action stores or emits. The runner masks registered secrets in the
 * log only; outputs, job summaries and what an action posts (comments, Slack) are not masked, so
 * everything that may carry a secret goes through a `Redactor` first.
 *
 * A secret is removed in every form the runner itself would mask: as it is, URL-encoded, escaped
 * inside a JSON string, and in base64 at each of the three alignments it can take inside a longer
 * base64 run (so `Basic base64(user:secret)` loses the secret too).
 */
export const REDACTED = '***';

/** Shorter encoded pieces would match ordinary text by chance. */
const MIN_ENCODED_LENGTH = 6;

export function encodedForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  forms.add(encodeURIComponent(secret));
  forms.add(encodeURIComponent(secret).replace(/%20/g, '+'));
  forms.add(JSON.stringify(secret).slice(1, -1));
  for (const form of base64Forms(secret)) forms.add(form);
  return [...forms].filter((form) => form === secret || form.length >= MIN_ENCODED_LENGTH);
}

/**
 * The base64 text that stands for `secret` whatever its offset in the encoded stream: encoding
 * `secret` after 0, 1 or 2 bytes of other data, then dropping the characters that also depend on
 * those bytes or on what follows. Standard and URL-safe alphabets alike.
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms: string[] = [];
  for (const shift of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const lead = shift === 0 ? 0 : shift + 1;
    const trailingBits = ((shift + bytes.length) * 8) % 6;
    const stable = encoded.slice(lead, trailingBits === 0 ? encoded.length : encoded.length - 1);
    if (stable) forms.push(stable, stable.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

export class Redactor {
  private readonly forms = new Set<string>();
  private pattern: RegExp | undefined;

  /** Register a secret; empty and whitespace-only values are ignored, as the runner ignores them. */
  add(secret: string | undefined): this {
    if (secret === undefined || secret.trim() === '') return this;
    for (const form of encodedForms(secret)) this.forms.add(form);
    this.pattern = undefined;
    return this;
  }

  /** Every form registered, for `core.setSecret`, which then masks the log as well. */
  all(): string[] {
    return [...this.forms];
  }

  get size(): number {
    return this.forms.size;
  }

  /** The text with every registered form replaced; longer forms first, so no piece is left. */
  redact(text: string): string {
    if (this.forms.size === 0 || text === '') return text;
    this.pattern ??= new RegExp(
      [...this.forms]
        .sort((a, b) => b.length - a.length)
        .map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, REDACTED);
  }

  /** Whether the text holds any registered form. */
  finds(text: string): boolean {
    return this.redact(text) !== text;
  }

  /** A structure with every string inside it redacted (outputs built from JSON, say). */
  redactDeep<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item: unknown) => this.redactDeep(item)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.redactDeep(item)])) as T;
    }
    return value;
  }
}
