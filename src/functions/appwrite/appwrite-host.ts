/**
 * The composition of a deployed function (DESIGN.md section 1: functions are composition
 * roots): the log, the Appwrite authenticator (`x-appwrite-user-id` and the `users` table), the
 * sync service, and the tables a commit is fanned out to (projected rows, `sync_heads`), acting
 * with the execution's key.
 *
 * The log is kept in the project's own TablesDB database by default (`openTablesLog`: the ops,
 * the projected rows and the sync heads commit in one transaction); with
 * `IMMUNE_SYNC_POSTGRES_URL` it is kept in that Postgres database instead, and every commit is
 * fanned out to the tables after it (`commit-fanout.ts`).
 */
import * as E from 'fp-ts/lib/Either.js';
import { Client, TablesDB } from 'node-appwrite';
import { type Logger, pino } from 'pino';
import { tablesDbOf } from '../../adapters/appwrite/appwrite-connection.ts';
import { tablesDbDocumentRows } from '../../adapters/appwrite/document-rows.ts';
import { accountOfJwt } from '../../adapters/appwrite/jwt-accounts.ts';
import { tablesDbSyncHeads } from '../../adapters/appwrite/sync-heads-store.ts';
import { openTablesLog } from '../../adapters/appwrite/tables-log/tables-operation-log.ts';
import { tablesDbUserDirectory } from '../../adapters/appwrite/user-directory.ts';
import { openPostgresLog } from '../../adapters/postgres/postgres-log.ts';
import type { OperationLog } from '../../log/operation-log.ts';
import { SyncMetrics } from '../sync-metrics.ts';
import { createSyncService, logMetricsSource } from '../sync-service.ts';
import { appwriteAuthenticator } from './appwrite-authenticator.ts';
import { FacilityMemory } from './facility-memory.ts';
import { type FunctionEnvironment, readFunctionEnvironment } from './function-environment.ts';
import type { ExecutionHeaders, FunctionHost, HostOpener } from './function-host.ts';
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
  /** See `FunctionHost.fansOut`. */
  readonly fansOut: boolean;
  /** See `FunctionHost.admit`. */
  readonly admit?: (headers: ExecutionHeaders) => void;
}

/** The host over an open log. */
export const composeFunctionHost = (log: OperationLog, parts: HostParts): FunctionHost => {
  const tablesDbFor = (headers: ExecutionHeaders) =>
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
    fansOut: parts.fansOut,
    admit: parts.admit ?? (() => undefined),
    targetsFor: (headers) => {
      const tablesDb = tablesDbFor(headers);
      return {
        rows: tablesDbDocumentRows(tablesDb, parts.databaseId),
        heads: tablesDbSyncHeads(tablesDb, parts.databaseId),
      };
    },
  };
};

/**
 * A TablesDB service for the log of a warm container: it acts with the host's own key when it
 * has one, else with the key of the newest execution (each execution's key is short-lived, and
 * all of one function's keys have the same scopes).
 */
const containerTablesDb = (
  settings: FunctionEnvironment,
  headers: ExecutionHeaders,
): { readonly tablesDb: TablesDB; readonly admit: (headers: ExecutionHeaders) => void } => {
  const client = new Client()
    .setEndpoint(settings.endpoint)
    .setProject(settings.projectId)
    .setKey(settings.apiKey ?? headers[KEY_HEADER] ?? '');
  return {
    tablesDb: new TablesDB(client),
    admit: (next) => {
      const key = next[KEY_HEADER];
      if (settings.apiKey === undefined && key !== undefined && key !== '') client.setKey(key);
    },
  };
};

/** The host of a function on these settings, opened by the execution with these headers. */
export const openHostOn = async (
  settings: FunctionEnvironment,
  headers: ExecutionHeaders,
): Promise<FunctionHost> => {
  const facilities = new FacilityMemory();
  const parts = {
    endpoint: settings.endpoint,
    projectId: settings.projectId,
    databaseId: settings.databaseId,
    apiKey: settings.apiKey,
    logger: pino({ level: settings.logLevel }),
    facilities,
  };
  const location = settings.log;
  if (location.kind === 'postgres') {
    const log = await openPostgresLog({
      connectionString: location.url,
      schema: location.schema,
      poolSize: 2,
      userFacilities: facilities.of,
    });
    return composeFunctionHost(log, { ...parts, fansOut: true });
  }
  const { tablesDb, admit } = containerTablesDb(settings, headers);
  const log = await openTablesLog({
    tablesDb,
    databaseId: settings.databaseId,
    options: { userFacilities: facilities.of },
  });
  return composeFunctionHost(log, { ...parts, fansOut: false, admit });
};

/** The host of this container, opened at the first execution from `process.env`. */
export const openAppwriteHost: HostOpener = once(async (headers: ExecutionHeaders) => {
  const settings = readFunctionEnvironment(process.env);
  if (E.isLeft(settings)) throw new Error(settings.left);
  return openHostOn(settings.right, headers);
});
