/**
 * The hybrid logical clock of a device: wall-clock milliseconds and a counter.
 *
 * Invariants:
 * 1. `tick` and `receive` always return a clock strictly greater than the one given, whatever
 *    the wall clock says: a device whose clock jumps back still orders its own ops.
 * 2. `compare` is a total order on `{ms, n}`.
 * 3. The clock only decides between concurrent writes (DESIGN.md section 2); causality comes from
 *    the causal context, never from the clock.
 */
import * as t from 'io-ts';
import { WholeNumber } from './scalars.ts';

/** The clock as it travels: `{ms, n}`, both whole numbers. */
export const Hlc = t.exact(t.type({ ms: WholeNumber, n: WholeNumber }), 'Hlc');
export type Hlc = Readonly<t.TypeOf<typeof Hlc>>;

/** A clock that has seen nothing. */
export const zero: Hlc = { ms: 0, n: 0 };

/**
 * The wall clock `now` as whole ms, at most 2^53 - 1; a reading that is not a finite number
 * counts as 0. A broken wall clock then neither stops the clock nor makes a value the codec refuses.
 */
const wallMs = (now: number): number =>
  Number.isFinite(now) ? Math.min(Math.floor(now), Number.MAX_SAFE_INTEGER) : 0;

/** A clock set to the wall clock `now`. */
export const create = (now: number): Hlc => ({ ms: Math.max(0, wallMs(now)), n: 0 });

/** The clock of a new local event at wall time `now`: always after `local`. */
export const tick = (local: Hlc, now: number): Hlc => {
  const wall = wallMs(now);
  return wall > local.ms ? { ms: wall, n: 0 } : { ms: local.ms, n: local.n + 1 };
};

/** The clock after seeing a remote clock at wall time `now`: after both `local` and `remote`. */
export const receive = (local: Hlc, remote: Hlc, now: number): Hlc => {
  const wall = wallMs(now);
  const ms = Math.max(local.ms, remote.ms, wall);
  if (ms === local.ms && ms === remote.ms) return { ms, n: Math.max(local.n, remote.n) + 1 };
  if (ms === local.ms) return { ms, n: local.n + 1 };
  if (ms === remote.ms) return { ms, n: remote.n + 1 };
  return { ms, n: 0 };
};

/** Negative if `a` is before `b`, positive if after, 0 if equal. */
export const compare = (a: Hlc, b: Hlc): number => (a.ms !== b.ms ? a.ms - b.ms : a.n - b.n);
