/**
 * Retry delays: exponential, with jitter (DESIGN.md section 5, Recovery).
 *
 * Invariants:
 * 1. The delay of attempt `k` (0-based) lies in `[c/2, c]` where `c = min(maxMs, baseMs * 2^k)`:
 *    it grows exponentially until the cap, and never drops below half of it, so a crowd of
 *    devices coming back together spreads out without any of them hammering the server.
 * 2. Only network failures and 5xx answers are retried (`isRetryable` in sync-transport.ts);
 *    a 4xx answer never is.
 */

export interface BackoffPolicy {
  /** The ceiling of the first retry, ms. */
  readonly baseMs: number;
  /** The largest ceiling, ms. */
  readonly maxMs: number;
}

/** Half a second, doubling up to a minute. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 60_000 };

/** The ceiling of attempt `attempt` (0-based). */
export const backoffCeiling = (policy: BackoffPolicy, attempt: number): number => {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 52);
  return Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
};

/**
 * The delay before retry `attempt`, with `random` in `[0, 1)` (Math.random by default):
 * half the ceiling, plus a random part of the other half ("equal jitter").
 */
export const backoffDelay = (
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number => {
  const ceiling = backoffCeiling(policy, attempt);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + (r * ceiling) / 2);
};
