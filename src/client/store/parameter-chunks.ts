/** Lists bound as SQL parameters, cut below SQLite's limit on parameters per statement. */

const CHUNK = 400;

/**
 * The fewest parameters a SQLite build allows per statement (999 before SQLite 3.32, which some
 * phones still ship): what a multi-row statement may bind in all.
 */
export const MAX_PARAMETERS = 999;

/** `items` in consecutive slices of at most `size` (default 400). */
export const inChunks = <A>(items: readonly A[], size: number = CHUNK): A[][] => {
  const out: A[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};
