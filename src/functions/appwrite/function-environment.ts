/**
 * The settings of a deployed function, from its environment (APPWRITE.md section 1: Appwrite's
 * own `APPWRITE_FUNCTION_*` variables, and the project's or function's variables).
 *
 * | variable | meaning |
 * |---|---|
 * | `APPWRITE_FUNCTION_API_ENDPOINT`, `APPWRITE_FUNCTION_PROJECT_ID` | set by Appwrite |
 * | `IMMUNE_SYNC_DATABASE_ID` | the Appwrite database of the log and the synced tables (default `immune_sync`) |
 * | `IMMUNE_SYNC_API_KEY` | a key to use instead of each execution's `x-appwrite-key` |
 * | `IMMUNE_SYNC_POSTGRES_URL` | keep the log in this Postgres database instead of TablesDB (optional) |
 * | `IMMUNE_SYNC_POSTGRES_SCHEMA` | its schema (default `public`) |
 * | `IMMUNE_SYNC_LOG_LEVEL` | pino's level (default `info`) |
 */
import * as E from 'fp-ts/lib/Either.js';
import { DEFAULT_DATABASE_ID } from '../../adapters/appwrite/appwrite-schema.ts';

/**
 * Where the log is kept: in the project's own TablesDB database (the `sync_*` tables, the
 * default), or in an external Postgres database.
 */
export type LogLocation =
  | { readonly kind: 'tables' }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

/** What a function needs to start. */
export interface FunctionEnvironment {
  readonly endpoint: string;
  readonly projectId: string;
  readonly databaseId: string;
  readonly log: LogLocation;
  readonly apiKey: string | undefined;
  readonly logLevel: string;
}

const REQUIRED = ['APPWRITE_FUNCTION_API_ENDPOINT', 'APPWRITE_FUNCTION_PROJECT_ID'] as const;

/** The settings, or the names of the required variables that are missing. */
export const readFunctionEnvironment = (
  env: Readonly<Record<string, string | undefined>>,
): E.Either<string, FunctionEnvironment> => {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const missing = REQUIRED.filter((name) => value(name) === undefined);
  if (missing.length > 0) return E.left(`missing variables: ${missing.join(', ')}`);
  const postgresUrl = value('IMMUNE_SYNC_POSTGRES_URL');
  return E.right({
    endpoint: value('APPWRITE_FUNCTION_API_ENDPOINT') ?? '',
    projectId: value('APPWRITE_FUNCTION_PROJECT_ID') ?? '',
    log:
      postgresUrl === undefined
        ? { kind: 'tables' }
        : {
            kind: 'postgres',
            url: postgresUrl,
            schema: value('IMMUNE_SYNC_POSTGRES_SCHEMA') ?? 'public',
          },
    databaseId: value('IMMUNE_SYNC_DATABASE_ID') ?? DEFAULT_DATABASE_ID,
    apiKey: value('IMMUNE_SYNC_API_KEY'),
    logLevel: value('IMMUNE_SYNC_LOG_LEVEL') ?? 'info',
  });
};
