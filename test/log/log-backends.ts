/**
 * Which log backends a test run exercises: `LOG_BACKENDS=sqlite,postgres,tables` (a
 * comma-separated subset; absent: all of them). An unknown name throws, and so does a selection
 * of nothing, so that a CI run that selects no backend fails instead of passing. `tables` is the
 * Appwrite TablesDB backend, run against the TablesDB test double.
 */

/** Every backend the contract suite knows. */
export const LOG_BACKENDS = ['sqlite', 'postgres', 'tables'] as const;
export type LogBackend = (typeof LOG_BACKENDS)[number];

const isLogBackend = (name: string): name is LogBackend => LOG_BACKENDS.some((b) => b === name);

/** The backends a `LOG_BACKENDS` value selects. */
export const selectLogBackends = (value: string | undefined): readonly LogBackend[] => {
  if (value === undefined) return LOG_BACKENDS;
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !isLogBackend(name));
  if (unknown.length > 0) {
    throw new Error(
      `LOG_BACKENDS names unknown backends: ${unknown.join(', ')} (known: ${LOG_BACKENDS.join(', ')})`,
    );
  }
  const selected = LOG_BACKENDS.filter((backend) => names.includes(backend));
  if (selected.length === 0) throw new Error('LOG_BACKENDS selects no backend');
  return selected;
};

/** True when this run exercises the backend (by the environment's `LOG_BACKENDS`). */
export const isSelected = (backend: LogBackend): boolean =>
  selectLogBackends(process.env.LOG_BACKENDS).includes(backend);
