import type { FaultRates, FaultScenario } from './scenario.js';

export type Fault =
  | { kind: 'throttle' }
  | { kind: 'server-error' }
  | { kind: 'access-denied' }
  /** The call is applied, then the connection is reset before any answer: the caller cannot tell. */
  | { kind: 'lost-answer' }
  /** The call is applied and its answer held for `holdMs`: longer than the client's request timeout. */
  | { kind: 'slow-answer'; holdMs: number }
  /** One of a throttling burst's consecutive ThrottlingException answers (answered as `throttle`). */
  | { kind: 'throttle-burst' };

/** How long a slow answer is held when the scenario does not say: far past any SDK request timeout. */
export const DEFAULT_SLOW_ANSWER_MS = 60_000;

/**
 * Seeded fault injection. Each operation has its own counter, and the n-th call of an operation
 * draws a number from a hash of (seed, service, operation, n): the same scenario and the same
 * sequence of calls per operation give the same faults, however calls to different operations
 * interleave in time.
 */
export class FaultInjector {
  private counters = new Map<string, number>();

  constructor(
    private readonly seed: number,
    private readonly faults: FaultScenario,
  ) {}

  ratesFor(service: string, operation: string): FaultRates {
    const specific = this.faults.operations?.[`${service}:${operation}`] ?? this.faults.operations?.[operation];
    return specific ?? this.faults;
  }

  private held = new Map<string, (() => void)[]>();

  /**
   * With a `barrier` for the operation, wait until that many of its calls are waiting (or 10 s
   * passed), then let them all go on in the order they came.
   */
  async barrier(service: string, operation: string): Promise<void> {
    const size = this.ratesFor(service, operation).barrier ?? 0;
    if (size <= 1) return;
    const key = `${service}:${operation}`;
    const group = this.held.get(key) ?? [];
    this.held.set(key, group);
    const released = new Promise<void>((resolve) => group.push(resolve));
    const releaseAll = () => {
      if (this.held.get(key) === group) this.held.delete(key);
      for (const resolve of group) resolve();
    };
    if (group.length >= size) releaseAll();
    else setTimeout(releaseAll, 10_000).unref();
    return released;
  }

  decide(service: string, operation: string): { fault?: Fault; latencyMs: number } {
    const rates = this.ratesFor(service, operation);
    const key = `${service}:${operation}`;
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    const draw = unitHash(`${this.seed}:${key}:${n}`);
    const throttle = rates.throttleRate ?? 0;
    const serverError = rates.serverErrorRate ?? 0;
    const lostAnswer = rates.lostAnswerRate ?? 0;
    const latencyMs = rates.latencyMs ?? 0;
    if (rates.accessDenied) return { fault: { kind: 'access-denied' }, latencyMs };
    if (rates.lostAnswerCalls?.includes(n)) return { fault: { kind: 'lost-answer' }, latencyMs };
    const burst = rates.throttleBurst;
    if (burst && n >= (burst.from ?? 1) && n < (burst.from ?? 1) + burst.calls) {
      return { fault: { kind: 'throttle-burst' }, latencyMs };
    }
    const slow: Fault = { kind: 'slow-answer', holdMs: rates.slowAnswerMs ?? DEFAULT_SLOW_ANSWER_MS };
    if (rates.slowAnswerCalls?.includes(n)) return { fault: slow, latencyMs };
    if (draw < throttle) return { fault: { kind: 'throttle' }, latencyMs };
    if (draw < throttle + serverError) return { fault: { kind: 'server-error' }, latencyMs };
    if (draw < throttle + serverError + lostAnswer) return { fault: { kind: 'lost-answer' }, latencyMs };
    if (draw < throttle + serverError + lostAnswer + (rates.slowAnswerRate ?? 0)) return { fault: slow, latencyMs };
    return { latencyMs };
  }
}

/** A number in [0, 1) from a string: FNV-1a then a murmur-style finaliser for an even spread. */
export function unitHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x100000000;
}

/** Deterministic ids (task ids, deployment ids) from the seed and a running counter. */
export class IdSource {
  private counter = 0;

  constructor(private readonly seed: number) {}

  hex(length: number): string {
    let out = '';
    while (out.length < length) {
      this.counter += 1;
      out += Math.floor(unitHash(`${this.seed}:id:${this.counter}`) * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    }
    return out.slice(0, length);
  }

  digits(length: number): string {
    let out = '';
    while (out.length < length) {
      this.counter += 1;
      out += Math.floor(unitHash(`${this.seed}:id:${this.counter}`) * 1e9)
        .toString()
        .padStart(9, '0');
    }
    return out.slice(0, length).replace(/^0/, '1');
  }
}
