/** The fixture every contract scenario opens: a fresh log on the backend under test. */
import type { LogOptions } from '../../../src/log/log-options.ts';
import type { SqlOperationLog } from '../../../src/log/sql-operation-log.ts';

/** A fresh log, and how to dispose of it. */
export interface LogFixture {
  readonly log: SqlOperationLog;
  /** Opens another instance on the same store (backends that serve several instances). */
  readonly openInstance?: (options?: LogOptions) => Promise<SqlOperationLog>;
  /** Closes every instance and removes the store. */
  close(): Promise<void>;
}

/** Opens a fresh, empty log for one test. */
export type LogFactory = (options?: LogOptions) => Promise<LogFixture>;

/** Runs `body` with a fresh log, closing it whatever happens. */
export const withLog = async <T>(
  factory: LogFactory,
  body: (fixture: LogFixture) => Promise<T>,
  options?: LogOptions,
): Promise<T> => {
  const fixture = await factory(options);
  try {
    return await body(fixture);
  } finally {
    await fixture.close();
  }
};
