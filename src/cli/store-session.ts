/**
 * Running a command against the store directly (not through a server): open the log, run, close
 * it, and report a refusal on stderr with exit code 1.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { SyncError } from '../domain/errors.ts';
import { facilitiesByUser } from '../functions/bearer-authenticator.ts';
import { readPrincipalsFile } from '../functions/principals-file.ts';
import type { OperationLog } from '../log/operation-log.ts';
import { fail } from './cli-output.ts';
import { openStore, type StoreOptions } from './store-options.ts';

/** Options of every command that works on the store. */
export interface SessionOptions extends StoreOptions {
  readonly principals?: string;
  readonly json?: boolean;
}

/** Opens the store, runs `work` on it, closes it. */
export const withStore = async (
  options: SessionOptions,
  work: (log: OperationLog) => Promise<void>,
): Promise<void> => {
  let userFacilities: ((userId: string) => readonly string[]) | undefined;
  if (options.principals !== undefined) {
    const entries = await readPrincipalsFile(options.principals);
    if (E.isLeft(entries)) return fail(entries.left);
    userFacilities = facilitiesByUser(entries.right);
  }
  const log = await openStore(options, userFacilities === undefined ? {} : { userFacilities });
  try {
    await work(log);
  } finally {
    await log.close();
  }
};

/** The right side of a result, or undefined after reporting the refusal. */
export const orReport = <A>(result: E.Either<SyncError, A>): A | undefined => {
  if (E.isRight(result)) return result.right;
  const { path, message } = result.left;
  // Validation messages name their path already (`... at data.fullName`).
  const where = path === undefined || message.endsWith(`at ${path}`) ? '' : ` (at ${path})`;
  fail(`${result.left.code}: ${result.left.message}${where}`);
  return undefined;
};
