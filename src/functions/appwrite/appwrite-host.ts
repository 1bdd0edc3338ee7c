/**
 * The composition of a deployed function (DESIGN.md section 1: functions are composition
 * roots): the log, the Appwrite authenticator (`x-appwrite-user-id` and the `users` table), the
 * sync service, and the tables a commit is fanned out to (projected rows, `sync_heads`), acting
 * with the execution's key.
 *
 * The log is the Postgres one (`IMMUNE_SYNC_POSTGRES_URL`), shared by every function and
 * instance; the TablesDB log backend is not finished (docs/appwrite.md).
 */
import * as E from 'fp-ts/lib/Either.js';
import { type Logger, pino } from 'pino';
import { tablesDbOf } from '../../adapters/appwrite/appwrite-connection.ts';
import { tablesDbDocumentRows } from '../../adapters/appwrite/document-rows.ts';
import { accountOfJwt } from '../../adapters/appwrite/jwt-accounts.ts';
import { tablesDbSyncHeads } from '../../adapters/appwrite/sync-heads-store.ts';
import { tablesDbUserDirectory } from '../../adapters/appwrite/user-directory.ts';
import { openPostgresLog } from '../../adapters/postgres/postgres-log.ts';
import type { OperationLog } from '../../log/operation-log.ts';
import { SyncMetrics } from '../sync-metrics.ts';
import { createSyncService, logMetricsSource } from '../sync-service.ts';
import { appwriteAuthenticator } from './appwrite-authenticator.ts';
import { FacilityMemory } from './facility-memory.ts';
import { type FunctionEnvironment, readFunctionEnvironment } from './function-environment.ts';
import type { FunctionHost } from './function-host.ts';
import { once } from './once.ts';

/** The header that carries the execution's short-lived key (scopes: the function's `scopes`). */
export const KEY_HEADER = 'x-appwrite-key';

/** What the host is composed of besides the log. */
export interface HostParts {
  readonly endpoint: string;
  readonly projectId: string;
  readonly databaseId: string;
  /** A key to use instead of each execution's `x-appwrite-key`. */
  readonly apiKey: string | undefined;
  readonly logger: Logger;
  /** Filled by the authenticator; the log's `userFacilities` reads it. */
  readonly facilities: FacilityMemory;
}

/** The host over an open log. */
export const composeFunctionHost = (log: OperationLog, parts: HostParts): FunctionHost => {
  const tablesDbFor = (headers: Readonly<Record<string, string>>) =>
    tablesDbOf({
      endpoint: parts.endpoint,
      projectId: parts.projectId,
      apiKey: parts.apiKey ?? headers[KEY_HEADER] ?? '',
    });
  const service = createSyncService({
    log,
    authenticator: appwriteAuthenticator({
      directoryFor: (headers) => tablesDbUserDirectory(tablesDbFor(headers), parts.databaseId),
      verifyJwt: accountOfJwt(parts.endpoint, parts.projectId),
      observe: parts.facilities.remember,
    }),
    logger: parts.logger,
    metrics: new SyncMetrics(logMetricsSource(log), { defaultMetrics: false }),
  });
  return {
    log,
    service,
    databaseId: parts.databaseId,
    targetsFor: (headers) => {
      const tablesDb = tablesDbFor(headers);
      return {
        rows: tablesDbDocumentRows(tablesDb, parts.databaseId),
        heads: tablesDbSyncHeads(tablesDb, parts.databaseId),
      };
    },
  };
};

/** The host of a function on these settings, its log on Postgres. */
export const openHostOn = async (settings: FunctionEnvironment): Promise<FunctionHost> => {
  const facilities = new FacilityMemory();
  const log = await openPostgresLog({
    connectionString: settings.postgresUrl,
    schema: settings.postgresSchema,
    poolSize: 2,
    userFacilities: facilities.of,
  });
  return composeFunctionHost(log, {
    endpoint: settings.endpoint,
    projectId: settings.projectId,
    databaseId: settings.databaseId,
    apiKey: settings.apiKey,
    logger: pino({ level: settings.logLevel }),
    facilities,
  });
};

/** The host of this container, opened at the first execution from `process.env`. */
export const openAppwriteHost: () => Promise<FunctionHost> = once(async () => {
  const settings = readFunctionEnvironment(process.env);
  if (E.isLeft(settings)) throw new Error(settings.left);
  return openHostOn(settings.right);
});
