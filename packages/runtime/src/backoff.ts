/**
 * Per-key exponential backoff, as client-go's ItemExponentialFailureRateLimiter and the defaults Flux
 * controllers use (750 ms doubling up to 15 min): the n-th consecutive failure of a key waits
 * base * 2^(n-1), capped at max, until `forget` records a success.
 */

export interface ExponentialBackoffOptions {
  /** Delay after the first failure. Default 750 ms. */
  baseDelayMs?: number;
  /** Upper bound of the delay. Default 15 min. */
  maxDelayMs?: number;
}

export const DEFAULT_BASE_DELAY_MS = 750;
export const DEFAULT_MAX_DELAY_MS = 15 * 60 * 1000;

/** The delay for the `attempt`-th consecutive failure (1-based), without any per-key state. */
export function exponentialDelay(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  if (attempt < 1) return 0;
  // Cap the exponent first: 2 ** 1100 is Infinity, and base * Infinity would stay Infinity for base > 0
  // but turn into NaN for base 0.
  const exponent = Math.min(attempt - 1, 62);
  return Math.min(baseDelayMs * 2 ** exponent, maxDelayMs);
}

export class ExponentialBackoff {
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #failures = new Map<string, number>();

  constructor(options: ExponentialBackoffOptions = {}) {
    this.#baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.#maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    if (this.#baseDelayMs < 0 || this.#maxDelayMs < this.#baseDelayMs) {
      throw new RangeError(`invalid backoff: base ${this.#baseDelayMs} ms, max ${this.#maxDelayMs} ms`);
    }
  }

  /** Records one more failure of `key` and returns how long to wait before retrying it. */
  next(key: string): number {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    return exponentialDelay(failures, this.#baseDelayMs, this.#maxDelayMs);
  }

  /** How many consecutive failures `key` has had since it was last forgotten. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Resets `key`, typically after it was processed successfully. */
  forget(key: string): void {
    this.#failures.delete(key);
  }
}
