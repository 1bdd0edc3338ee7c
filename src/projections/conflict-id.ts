/**
 * Derived conflict ids: the same on every replica and in every order, since they hash only the
 * document, the kind, the field and the sorted candidate dots (DESIGN.md, Conflict records).
 * The hash is cyrb53 run with two seeds (106 bits), pure and fast; ids are not secrets.
 */
import { compareDots, type Dot, dotKey } from '../domain/ids.ts';
import type { ConflictKind } from './conflict-record.ts';

const cyrb53 = (text: string, seed: number): string => {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36).padStart(11, '0');
};

/** `c` + the kind's initial + 22 base-36 characters: a valid Appwrite row id. */
export const conflictId = (
  collection: string,
  docId: string,
  kind: ConflictKind,
  field: string | null,
  dots: readonly Dot[],
): string => {
  const sorted = [...dots].sort(compareDots).map(dotKey).join(',');
  const text = `${collection}\u0001${docId}\u0001${kind}\u0001${field ?? ''}\u0001${sorted}`;
  return `c${kind[0]}${cyrb53(text, 1)}${cyrb53(text, 2)}`;
};
