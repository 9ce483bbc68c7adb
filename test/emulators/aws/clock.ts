/**
 * The emulator's sense of time. ECS rollouts are a sequence of timed transitions (a task starts,
 * turns healthy, stops); the engine schedules them on this clock and processes every transition
 * that is due whenever someone looks (a request, a test reading state). That keeps the emulator
 * deterministic: a transition happens at its scheduled time even when nobody asked at that moment,
 * and a manual clock lets tests step through a rollout without sleeping.
 */
export interface Clock {
  now(): number;
}

export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }
}

export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`ManualClock.advance needs a non-negative duration, got ${ms}`);
    this.current += ms;
  }
}

interface Scheduled {
  at: number;
  sequence: number;
  action: (at: number) => void;
}

/**
 * Timed actions run in time order (ties in the order they were scheduled). An action may schedule
 * more actions; those due before `now` run in the same `runUntil` call.
 */
export class Scheduler {
  private queue: Scheduled[] = [];
  private sequence = 0;
  /** Told of every action scheduled (an engine driving real containers arms a timer for it). */
  onSchedule?: (at: number) => void;

  schedule(at: number, action: (at: number) => void): void {
    this.queue.push({ at, sequence: this.sequence++, action });
    this.onSchedule?.(at);
  }

  runUntil(now: number): void {
    for (;;) {
      let next = -1;
      for (let i = 0; i < this.queue.length; i += 1) {
        const item = this.queue[i];
        if (item.at > now) continue;
        if (
          next === -1 ||
          item.at < this.queue[next].at ||
          (item.at === this.queue[next].at && item.sequence < this.queue[next].sequence)
        )
          next = i;
      }
      if (next === -1) return;
      const [item] = this.queue.splice(next, 1);
      item.action(item.at);
    }
  }

  /** When the next action is due, or undefined when nothing is scheduled. */
  nextAt(): number | undefined {
    return this.queue.length === 0 ? undefined : Math.min(...this.queue.map((item) => item.at));
  }

  clear(): void {
    this.queue = [];
  }
}
