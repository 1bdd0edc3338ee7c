/**
 * Canonical JSON: object keys sorted at every depth, arrays in their order, no white space. Two
 * equal values always give the same text, so the text can be hashed (the device hash chains) and
 * compared (conflict records, `verify`), and stored document states are byte-stable.
 *
 * Invariants:
 * 1. For every JSON value `v`, `canonicalJson(v)` is `JSON.stringify` of a copy of `v` whose
 *    objects have their keys inserted in sorted order (UTF-16 code unit order). Like any JS
 *    object, such a copy lists integer-like keys (`"0"`, `"12"`) first, in numeric order, and so
 *    does the text.
 * 2. As in `JSON.stringify`: `undefined`, functions and symbols are left out of objects and are
 *    `null` in arrays; numbers that are not finite are `null`.
 * 3. Every own enumerable key is written, `__proto__` included (`JSON.parse('{"__proto__":1}')`
 *    has it as an own key), whatever the order the object's keys were inserted in.
 *
 * Why it copies only what is out of order: the hash chain and the projection writes of every
 * append go through it, and most of what they encode is already in canonical order (states read
 * back from the store were written canonical). Parts whose keys are already sorted are handed to
 * the native `JSON.stringify` as they are; only out-of-order objects, and the objects and arrays
 * around them, are copied.
 */

/** A canonical array index (`"0"`, `"7"`, not `"07"`), which objects list first, in order. */
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;
const MAX_ARRAY_INDEX = 2 ** 32 - 2;

const isArrayIndex = (key: string): boolean => {
  const first = key.charCodeAt(0);
  // Most keys start with a letter: settled without the regular expression.
  return first >= 0x30 && first <= 0x39 && ARRAY_INDEX.test(key) && Number(key) <= MAX_ARRAY_INDEX;
};

/**
 * True when an object's own keys are in canonical order: its array indices (which own keys
 * always list first, in numeric order), then the other keys sorted.
 */
const inCanonicalOrder = (keys: readonly string[]): boolean => {
  let i = 0;
  while (i < keys.length && isArrayIndex(keys[i] ?? '')) i++;
  for (i += 1; i < keys.length; i++) {
    if ((keys[i - 1] ?? '') >= (keys[i] ?? '')) return false;
  }
  return true;
};

const isPlainObject = (value: object): boolean => {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/** `value` with every object's keys in canonical order: itself when it already is. */
const canonical = (value: unknown): unknown => {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      const ordered = canonical(element);
      if (ordered !== element) {
        copy ??= value.slice();
        copy[i] = ordered;
      }
    }
    return copy ?? value;
  }
  const keys = Object.keys(value);
  let replaced: Map<string, unknown> | undefined;
  for (const key of keys) {
    const member: unknown = Reflect.get(value, key);
    const ordered = canonical(member);
    if (ordered !== member) {
      replaced ??= new Map();
      replaced.set(key, ordered);
    }
  }
  if (replaced === undefined && isPlainObject(value) && inCanonicalOrder(keys)) return value;
  // No prototype: an own `__proto__` key (which `JSON.parse` makes) is then set as a member,
  // not taken for the prototype's setter, so a copy keeps it as the original has it.
  const out: Record<string, unknown> = Object.create(null);
  for (const key of keys.sort()) {
    out[key] = replaced?.has(key) === true ? replaced.get(key) : Reflect.get(value, key);
  }
  return out;
};

/**
 * The canonical JSON text of a JSON value (`undefined` members are left out; a value that is
 * itself `undefined` is `null`).
 *
 * @example
 * canonicalJson({ b: 1, a: [true, { d: null, c: 'x' }] }) // '{"a":[true,{"c":"x","d":null}],"b":1}'
 */
export const canonicalJson = (value: unknown): string => JSON.stringify(canonical(value)) ?? 'null';

/** True for what `JSON.stringify` leaves out of an object (and writes as null in an array). */
const leftOut = (value: unknown): boolean =>
  value === undefined || typeof value === 'function' || typeof value === 'symbol';

/** A value as an array element is written: null for what the text cannot hold. */
const asWritten = (value: unknown): unknown =>
  leftOut(value) || (typeof value === 'number' && !Number.isFinite(value)) ? null : value;

const isEnumerableOwn = (value: object, key: string): boolean =>
  Object.prototype.propertyIsEnumerable.call(value, key);

/** `sameJson` of two values already `asWritten`. */
const sameWritten = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!sameWritten(asWritten(a[i]), asWritten(b[i]))) return false;
    }
    return true;
  }
  let members = 0;
  for (const key of Object.keys(a)) {
    const member: unknown = Reflect.get(a, key);
    if (leftOut(member)) continue;
    members++;
    if (!isEnumerableOwn(b, key)) return false;
    const other: unknown = Reflect.get(b, key);
    if (leftOut(other) || !sameWritten(asWritten(member), asWritten(other))) return false;
  }
  for (const key of Object.keys(b)) if (!leftOut(Reflect.get(b, key))) members--;
  return members === 0;
};

/**
 * True when two JSON values have the same canonical text (`canonicalJson(a) ===
 * canonicalJson(b)`), found by walking both instead of writing them: comparing a document's
 * conflict records after a re-fold wrote hundreds of texts per flush.
 */
export const sameJson = (a: unknown, b: unknown): boolean =>
  sameWritten(asWritten(a), asWritten(b));
