import { Redactor } from '@shipyard/shared/redact';
import { redactCredentials, type CredentialKind } from './credentials.js';

/**
 * The one gate every text this action sends or stores passes through: what it posts to GitHub
 * (every parameter of every request that changes something, through the Octokit hook in
 * github.ts), the Slack message (slack.ts), its outputs, job summary and log lines (main.ts). It
 * removes the action's own secrets (the token and the webhook URL, in every encoding the runner
 * masks) and every credential recognisable by its shape (credentials.ts), and remembers that it
 * did, so the comment and the summary can say so without saying what.
 */
export class Outgoing {
  private readonly secrets: Redactor;
  private readonly found = new Set<CredentialKind | 'secret input'>();

  constructor(secrets: readonly (string | undefined)[]) {
    this.secrets = new Redactor();
    for (const secret of secrets) this.secrets.add(secret);
  }

  /** Every form of the action's own secrets, for `core.setSecret`. */
  masks(): string[] {
    return this.secrets.all();
  }

  /** The text as it may leave, and whether anything was taken out of it. */
  scan(text: string): { text: string; redacted: boolean } {
    const own = this.secrets.redact(text);
    if (own !== text) this.found.add('secret input');
    const { text: clean, kinds } = redactCredentials(own);
    for (const kind of kinds) this.found.add(kind);
    return { text: clean, redacted: clean !== text };
  }

  clean(text: string): string {
    return this.scan(text).text;
  }

  /** Every string inside a value (a request's parameters, a Slack message) cleaned. */
  deep<T>(value: T): T {
    if (typeof value === 'string') return this.clean(value) as T;
    if (Array.isArray(value)) return value.map((item: unknown) => this.deep(item)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.deep(item)])) as T;
    }
    return value;
  }

  /** Whether anything was removed from anything so far. */
  get redacted(): boolean {
    return this.found.size > 0;
  }
}
