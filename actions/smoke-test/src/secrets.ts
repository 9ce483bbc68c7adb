import { Redactor } from '@shipyard/shared/redact';

/**
 * The secrets of one run (see `secretsOf` in inputs.ts) and the one place text is cleaned of them:
 * what the app answered (in probe.ts), and again everything the action stores or emits (outputs,
 * the job summary, annotations, log lines). It remembers whether it ever removed something, so
 * the report can say so.
 */
export class SecretFilter {
  private readonly redactor = new Redactor();
  private hits = 0;

  constructor(secrets: Iterable<string>) {
    for (const secret of secrets) this.redactor.add(secret);
  }

  /** Every form to register with `core.setSecret` (raw, URL-encoded, JSON-escaped, base64). */
  forms(): string[] {
    return this.redactor.all();
  }

  /** How many texts had a secret removed so far. */
  get redactions(): number {
    return this.hits;
  }

  readonly redact = (text: string): string => {
    const clean = this.redactor.redact(text);
    if (clean !== text) this.hits += 1;
    return clean;
  };

  redactDeep<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item: unknown) => this.redactDeep(item)) as T;
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.redactDeep(item)])) as T;
    }
    return value;
  }
}
