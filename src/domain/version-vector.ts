/**
 * Causal contexts: per-document version vectors, `{deviceId: highest seq seen}`.
 *
 * Invariants:
 * 1. `merge` is commutative, associative and idempotent (a join semilattice); `empty` is its unit.
 * 2. `hasSeen(a, b)` follows DESIGN.md section 2: same device and a later seq, or `a.ctx` covers
 *    `b`'s dot. An op never has seen itself.
 * 3. Two ops are concurrent exactly when neither has seen the other.
 */
import * as t from 'io-ts';
import { DeviceId, type Dot, ROW_ID_DESCRIPTION } from './ids.ts';
import { WholeNumber } from './scalars.ts';

export type VersionVector = Readonly<Record<string, number>>;

/**
 * A version vector as it travels: device ids to the highest seq seen. A key that is not a device
 * id is refused at its own path (io-ts `record` would drop it silently).
 */
export const VersionVector = new t.Type<VersionVector, VersionVector, unknown>(
  'VersionVector',
  (u): u is VersionVector =>
    t.UnknownRecord.is(u) &&
    Object.entries(u).every(([d, s]) => DeviceId.is(d) && WholeNumber.is(s)),
  (u, c) => {
    if (!t.UnknownRecord.is(u)) return t.failure(u, c, 'expected an object of device ids to seqs');
    const out: Record<string, number> = {};
    for (const [d, s] of Object.entries(u)) {
      if (!DeviceId.is(d)) {
        return t.failure(d, t.appendContext(c, d, DeviceId, d), `expected ${ROW_ID_DESCRIPTION}`);
      }
      const seq = WholeNumber.validate(s, t.appendContext(c, d, WholeNumber, s));
      if (seq._tag === 'Left') return seq;
      out[d] = seq.right;
    }
    return t.success(out);
  },
  t.identity,
);

export const empty: VersionVector = {};

/** The highest seq of `deviceId` that `vv` covers (0 if none). */
export const get = (vv: VersionVector, deviceId: string): number =>
  Object.hasOwn(vv, deviceId) ? (vv[deviceId] ?? 0) : 0;

/** True when `vv` covers the dot. */
export const covers = (vv: VersionVector, dot: Dot): boolean => get(vv, dot.deviceId) >= dot.seq;

/** The pointwise maximum of two vectors. */
export const merge = (a: VersionVector, b: VersionVector): VersionVector => {
  const out: Record<string, number> = { ...a };
  for (const [d, s] of Object.entries(b)) if (s > get(out, d)) out[d] = s;
  return out;
};

/** `vv` with the dot included. */
export const include = (vv: VersionVector, dot: Dot): VersionVector =>
  get(vv, dot.deviceId) >= dot.seq ? vv : { ...vv, [dot.deviceId]: dot.seq };

/** True when `a` covers every entry of `b`. */
export const dominates = (a: VersionVector, b: VersionVector): boolean =>
  Object.entries(b).every(([d, s]) => get(a, d) >= s);

/** Vectors with the same coverage are equal, whatever their zero entries. */
export const equals = (a: VersionVector, b: VersionVector): boolean =>
  dominates(a, b) && dominates(b, a);

/** The vector without zero entries, with keys sorted: a canonical form for storage and hashing. */
export const normalize = (vv: VersionVector): VersionVector => {
  const out: Record<string, number> = {};
  for (const d of Object.keys(vv).sort()) {
    const s = vv[d] ?? 0;
    if (s > 0) out[d] = s;
  }
  return out;
};

/** What causality needs of an op: its dot and its context. */
export interface CausalOp extends Dot {
  readonly ctx: VersionVector;
}

/** True when op `a` has seen op `b` (both on the same document). */
export const hasSeen = (a: CausalOp, b: Dot): boolean =>
  (a.deviceId === b.deviceId && a.seq > b.seq) || get(a.ctx, b.deviceId) >= b.seq;

/** True when neither op has seen the other (and they are distinct). */
export const concurrent = (a: CausalOp, b: CausalOp): boolean =>
  !(a.deviceId === b.deviceId && a.seq === b.seq) && !hasSeen(a, b) && !hasSeen(b, a);
