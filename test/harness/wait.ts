// Polling with deadlines: tests wait for conditions, never for time.

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

export interface WaitOptions {
  /** What is being waited for, for the error message. */
  description: string;
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Calls `probe` until it returns a value other than undefined/false (or stops throwing), and
 * returns that value. On the deadline, throws with the description and the last result or error.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  opts: WaitOptions,
): Promise<T> {
  const timeout = opts.timeoutMs ?? 60_000;
  const interval = opts.intervalMs ?? 200;
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new WaitTimeoutError(
        `timed out after ${timeout / 1000}s waiting for ${opts.description} (last: ${detail})`,
        {
          cause: last,
        },
      );
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
