/**
 * The one piece of state the app and the server share: whether the process is draining. The app
 * reads it to answer /ready (503 while draining) and to ask keep-alive clients not to reuse their
 * connection; the server flips it when SIGTERM arrives.
 */
export class Lifecycle {
  #draining = false;
  readonly #drainingStarted: Promise<void>;
  #markDraining!: () => void;
  readonly #idleClosed: Promise<void>;
  #markIdleClosed!: () => void;

  constructor() {
    this.#drainingStarted = new Promise<void>((resolve) => {
      this.#markDraining = resolve;
    });
    this.#idleClosed = new Promise<void>((resolve) => {
      this.#markIdleClosed = resolve;
    });
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Resolves once draining has begun; never rejects. */
  get drainingStarted(): Promise<void> {
    return this.#drainingStarted;
  }

  /**
   * Resolves once, while draining, the server has stopped accepting and closed every connection
   * with no request running (idle keep-alive sockets, half-sent requests); never rejects.
   */
  get idleClosed(): Promise<void> {
    return this.#idleClosed;
  }

  /** Idempotent: the first call wins. */
  beginDraining(): void {
    if (this.#draining) return;
    this.#draining = true;
    this.#markDraining();
  }

  /** Called by the server once it has closed the connections with no request running. */
  markIdleClosed(): void {
    this.#markIdleClosed();
  }
}
