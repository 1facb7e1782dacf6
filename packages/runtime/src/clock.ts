/**
 * Time as a dependency. Everything in the runtime that waits or reads the time takes a `Clock`, so
 * tests drive time explicitly (vitest fake timers or a hand-rolled clock) instead of sleeping.
 */

/** Cancels a pending timer; calling it after the timer fired is a no-op. */
export type CancelTimer = () => void;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` once after `delayMs`. */
  setTimer(callback: () => void, delayMs: number): CancelTimer;
}

/**
 * The real clock. It looks `Date.now`/`setTimeout` up on every call rather than capturing them at
 * import, so vitest fake timers installed later still take effect.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    return () => clearTimeout(handle);
  },
};

/**
 * A clock that moves only when told to, for tests: `advance` fires the timers that come due, in
 * order of their due time, synchronously.
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 0;
  readonly #timers = new Map<number, { dueAt: number; callback: () => void }>();

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => void, delayMs: number): CancelTimer {
    const id = this.#nextId++;
    this.#timers.set(id, { dueAt: this.#now + Math.max(0, delayMs), callback });
    return () => this.#timers.delete(id);
  }

  /** Timers not yet fired nor cancelled. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** The delays, from now, of the pending timers, soonest first. */
  pendingDelays(): number[] {
    return [...this.#timers.values()].map((timer) => timer.dueAt - this.#now).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing every timer due by then (including ones they set). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let nextId: number | undefined;
      let nextDue = Number.POSITIVE_INFINITY;
      for (const [id, timer] of this.#timers) {
        if (timer.dueAt <= target && timer.dueAt < nextDue) {
          nextId = id;
          nextDue = timer.dueAt;
        }
      }
      if (nextId === undefined) break;
      const timer = this.#timers.get(nextId)!;
      this.#timers.delete(nextId);
      this.#now = nextDue;
      timer.callback();
    }
    this.#now = target;
  }
}
