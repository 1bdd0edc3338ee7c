/** Lists bound as SQL parameters, cut below SQLite's limit on parameters per statement. */

const CHUNK = 400;

/** `items` in consecutive slices of at most 400. */
export const inChunks = <A>(items: readonly A[]): A[][] => {
  const out: A[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
};
