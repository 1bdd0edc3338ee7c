/**
 * Closed object codecs. io-ts `type` and `exact` let unknown keys through (exact strips them),
 * but PROTOCOL.md wants a field that is not listed for a collection refused at `data.<field>`.
 * `strictStruct` refuses unknown keys with their path, then decodes the listed ones.
 *
 * Its `is` holds exactly for the values its decoding gives back unchanged: a plain object with
 * listed keys only (and at least one when `nonEmpty`), no key present as `undefined`, every value
 * of its codec. Every field codec here is an identity on what it accepts, so such a value decodes
 * to itself, and `is` (no contexts built) can stand in for decoding on the hot paths
 * (`decodeOperation`); `test/domain/operation.test.ts` proves the two agree.
 */
import * as t from 'io-ts';

const isPlainObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === 'object' && u !== null && !Array.isArray(u);

/** `codec` or `null` (an optional field may be cleared with null). */
export const nullable = <C extends t.Mixed>(codec: C): t.UnionC<[C, t.NullC]> =>
  t.union([codec, t.null], `${codec.name} | null`);

export type StrictStruct<R extends t.Props, O extends t.Props> = t.Type<
  t.TypeOf<t.TypeC<R>> & t.TypeOf<t.PartialC<O>>,
  t.OutputOf<t.TypeC<R>> & t.OutputOf<t.PartialC<O>>,
  unknown
>;

/**
 * An object codec with `required` and `optional` keys and no others.
 * An unknown key fails at its own path; a present `undefined` fails like a missing field.
 */
export const strictStruct = <R extends t.Props, O extends t.Props>(
  name: string,
  required: R,
  optional: O,
  options: { readonly nonEmpty?: boolean } = {},
): StrictStruct<R, O> => {
  const inner = t.exact(t.intersection([t.type(required), t.partial(optional)]));
  const known = new Set([...Object.keys(required), ...Object.keys(optional)]);
  const isClosed = (u: unknown): u is t.TypeOf<typeof inner> => {
    if (!isPlainObject(u)) return false;
    const keys = Object.keys(u);
    if (options.nonEmpty === true && keys.length === 0) return false;
    for (const key of keys) if (!known.has(key) || u[key] === undefined) return false;
    return inner.is(u);
  };
  return new t.Type(
    name,
    isClosed,
    (u, c) => {
      if (!isPlainObject(u)) return t.failure(u, c, `expected an object (${name})`);
      const keys = Object.keys(u);
      for (const key of keys) {
        if (!known.has(key)) {
          return t.failure(u[key], t.appendContext(c, key, t.never, u[key]), 'unknown field');
        }
      }
      if (options.nonEmpty === true && keys.length === 0) {
        return t.failure(u, c, 'expected at least one field');
      }
      return inner.validate(u, c);
    },
    inner.encode,
  );
};
