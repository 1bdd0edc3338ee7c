/**
 * The settings of a deployed function, from its environment (APPWRITE.md section 1: Appwrite's
 * own `APPWRITE_FUNCTION_*` variables, and the project's or function's variables).
 *
 * | variable | meaning |
 * |---|---|
 * | `APPWRITE_FUNCTION_API_ENDPOINT`, `APPWRITE_FUNCTION_PROJECT_ID` | set by Appwrite |
 * | `IMMUNE_SYNC_POSTGRES_URL` | the log's Postgres database (required) |
 * | `IMMUNE_SYNC_POSTGRES_SCHEMA` | its schema (default `public`) |
 * | `IMMUNE_SYNC_DATABASE_ID` | the Appwrite database of the synced tables (default `immune_sync`) |
 * | `IMMUNE_SYNC_API_KEY` | a key to use instead of each execution's `x-appwrite-key` |
 * | `IMMUNE_SYNC_LOG_LEVEL` | pino's level (default `info`) |
 */
import * as E from 'fp-ts/lib/Either.js';
import { DEFAULT_DATABASE_ID } from '../../adapters/appwrite/appwrite-schema.ts';

/** What a function needs to start. */
export interface FunctionEnvironment {
  readonly endpoint: string;
  readonly projectId: string;
  readonly databaseId: string;
  readonly postgresUrl: string;
  readonly postgresSchema: string;
  readonly apiKey: string | undefined;
  readonly logLevel: string;
}

const REQUIRED = [
  'APPWRITE_FUNCTION_API_ENDPOINT',
  'APPWRITE_FUNCTION_PROJECT_ID',
  'IMMUNE_SYNC_POSTGRES_URL',
] as const;

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
  return E.right({
    endpoint: value('APPWRITE_FUNCTION_API_ENDPOINT') ?? '',
    projectId: value('APPWRITE_FUNCTION_PROJECT_ID') ?? '',
    postgresUrl: value('IMMUNE_SYNC_POSTGRES_URL') ?? '',
    postgresSchema: value('IMMUNE_SYNC_POSTGRES_SCHEMA') ?? 'public',
    databaseId: value('IMMUNE_SYNC_DATABASE_ID') ?? DEFAULT_DATABASE_ID,
    apiKey: value('IMMUNE_SYNC_API_KEY'),
    logLevel: value('IMMUNE_SYNC_LOG_LEVEL') ?? 'info',
  });
};
