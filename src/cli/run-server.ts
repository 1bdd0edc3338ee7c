/**
 * `immune-sync serve`: the standalone server (DESIGN.md section 7: embedded on SQLite, or one of
 * several instances on Postgres).
 *
 * On start: reads the principals (writing the demo file when none is given), opens and migrates
 * the log, loads the reference data that is missing, listens, and prints the URL (and the demo
 * tokens). On SIGTERM or SIGINT: stops accepting, ends event streams, lets the requests in
 * flight (pushes included) finish and answer, closes the log, exits 0. A second signal exits at
 * once.
 */
import * as E from 'fp-ts/lib/Either.js';
import { startHttpServer } from '../adapters/http/node-http-server.ts';
import type { PrincipalEntry } from '../domain/principal.ts';
import { bearerAuthenticator, facilitiesByUser } from '../functions/bearer-authenticator.ts';
import { readPrincipalsFile } from '../functions/principals-file.ts';
import { PROTOCOL_VERSION } from '../functions/protocol-version.ts';
import { seedReferenceData } from '../functions/seed-reference-data.ts';
import { createSyncService } from '../functions/sync-service.ts';
import { fail, print, table } from './cli-output.ts';
import { ensureDemoPrincipals } from './demo-principals.ts';
import { serverLogger } from './server-logger.ts';
import {
  dataDirectoryOf,
  describeStore,
  openStore,
  type StoreOptions,
  storeConflict,
} from './store-options.ts';

/** The options of `serve`. */
export interface ServeOptions extends StoreOptions {
  readonly port: number;
  readonly host: string;
  readonly principals?: string;
  readonly logLevel?: string;
  /** Build snapshot pages ahead (`snapshot-pages-ahead.ts`); `--no-pages-ahead`: false. */
  readonly pagesAhead?: boolean;
}

const printPrincipals = (entries: readonly PrincipalEntry[], withTokens: boolean): void => {
  const rows = entries.map((e) => [
    e.userId,
    e.role,
    e.facilityIds.join(', '),
    ...(withTokens ? [e.token] : []),
  ]);
  print(table(['user', 'role', 'facilities', ...(withTokens ? ['token'] : [])], rows));
};

/** Runs the server until SIGTERM or SIGINT (see the module). */
export const runServer = async (options: ServeOptions): Promise<void> => {
  const conflict = storeConflict(options);
  if (conflict !== undefined) return fail(conflict, 2);
  let principalsPath = options.principals;
  let demo = false;
  if (principalsPath === undefined) {
    const written = await ensureDemoPrincipals(dataDirectoryOf(options));
    principalsPath = written.path;
    demo = true;
    print(`${written.created ? 'wrote' : 'using'} demo principals ${written.path}`);
  }
  const entries = await readPrincipalsFile(principalsPath);
  if (E.isLeft(entries)) return fail(entries.left);

  const logger = serverLogger(options.logLevel);
  const log = await openStore(options, { userFacilities: facilitiesByUser(entries.right) });
  const seeded = await seedReferenceData(log);
  if (E.isLeft(seeded)) {
    await log.close();
    return fail(`cannot load the reference data: ${seeded.left.message}`);
  }
  logger.info({ ...seeded.right }, 'reference data');

  const service = createSyncService({
    log,
    authenticator: bearerAuthenticator(entries.right),
    logger,
    snapshotPagesAhead: options.pagesAhead !== false,
  });
  const server = await startHttpServer({
    routes: service.routes,
    port: options.port,
    host: options.host,
    maxBodyBytes: service.maxBodyBytes + 64 * 1024,
    refuse: service.refuse,
    onHandlerError: (error) => logger.error({ err: error }, 'handler threw'),
  });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, inFlight: server.inFlight() }, 'shutting down');
    let code = 0;
    try {
      await server.close();
      await log.close();
      logger.info({ signal }, 'stopped');
    } catch (error) {
      logger.error({ signal, err: error }, 'shutdown failed');
      code = 1;
    }
    logger.flush();
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  print(`immune-sync protocol ${PROTOCOL_VERSION} on ${describeStore(options)}`);
  print(
    `reference data: ${seeded.right.created} documents created, ${seeded.right.present} already present`,
  );
  printPrincipals(entries.right, demo);
  print(`immune-sync listening on ${server.url}`);
};
