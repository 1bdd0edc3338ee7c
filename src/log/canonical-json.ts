/**
 * Canonical JSON: object keys sorted at every depth, arrays in their order, no white space. Two
 * equal values always give the same text, so the text can be hashed and compared.
 */

const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      out[key] = sortKeys(Reflect.get(value, key));
    }
    return out;
  }
  return value;
};

/** The canonical JSON text of a JSON value (`undefined` members are left out). */
export const canonicalJson = (value: unknown): string => JSON.stringify(sortKeys(value)) ?? 'null';
