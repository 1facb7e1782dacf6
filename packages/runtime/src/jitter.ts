/**
 * Jitter for periodic requeues, as fluxcd/pkg/runtime/jitter: when many objects share one interval,
 * spreading their requeues by ± a fraction keeps them from hitting sources and the API server in bursts.
 */

/** A source of uniform numbers in [0, 1), like Math.random. */
export type RandomSource = () => number;

/** Default spread of {@link jitter}: ±10 %. */
export const DEFAULT_JITTER_FRACTION = 0.1;

/**
 * Returns `intervalMs` moved by up to ± `fraction` of itself, uniformly, never negative.
 * Inject `random` (see {@link seededRandom}) for reproducible results.
 */
export function jitter(
  intervalMs: number,
  fraction: number = DEFAULT_JITTER_FRACTION,
  random: RandomSource = Math.random,
): number {
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new RangeError(`jitter fraction must be within [0, 1], got ${fraction}`);
  }
  const offset = (random() * 2 - 1) * fraction * intervalMs;
  return Math.max(0, Math.round(intervalMs + offset));
}

/**
 * A small deterministic generator (mulberry32): the same seed yields the same sequence.
 * Good enough for spreading timers; not for anything cryptographic.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
