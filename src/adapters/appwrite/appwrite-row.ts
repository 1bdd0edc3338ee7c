/** Rows as Appwrite returns them: system fields (`$id`, `$permissions`...) and columns. */

/** The columns of an Appwrite row, without its system fields. */
export const columnsOf = (row: object): Readonly<Record<string, unknown>> => {
  const columns: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (!key.startsWith('$')) columns[key] = value;
  }
  return columns;
};
