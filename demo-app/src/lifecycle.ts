/**
 * The one piece of state the app and the server share: whether the process is draining. The app
 * reads it to answer /ready (503 while draining) and to ask keep-alive clients not to reuse their
 * connection; the server flips it when SIGTERM arrives.
 */
export class Lifecycle {
  #draining = false;
  readonly #drainingStarted: Promise<void>;
  #markDraining!: () => void;

  constructor() {
    this.#drainingStarted = new Promise<void>((resolve) => {
      this.#markDraining = resolve;
    });
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Resolves once draining has begun; never rejects. */
  get drainingStarted(): Promise<void> {
    return this.#drainingStarted;
  }

  /** Idempotent: the first call wins. */
  beginDraining(): void {
    if (this.#draining) return;
    this.#draining = true;
    this.#markDraining();
  }
}
