/**
 * The sync service over a real log (SQLite in memory, reference data loaded), driven through the
 * host-independent interface: `HttpRequest` in, `HttpResponse` out, as any host would.
 */
import { pino } from 'pino';
import type { HttpRequest, HttpResponse } from '../../src/adapters/http/http-exchange.ts';
import { openSqliteLog } from '../../src/adapters/sqlite/sqlite-log.ts';
import { bearerAuthenticator, facilitiesByUser } from '../../src/functions/bearer-authenticator.ts';
import { seedReferenceData } from '../../src/functions/seed-reference-data.ts';
import { SyncMetrics } from '../../src/functions/sync-metrics.ts';
import {
  createSyncService,
  logMetricsSource,
  type SyncService,
} from '../../src/functions/sync-service.ts';
import type { OperationLog } from '../../src/log/operation-log.ts';
import { decodeBody } from './decode-body.ts';
import { PRINCIPAL_ENTRIES, type TestUser, TOKENS } from './sync-fixtures.ts';

export interface Harness {
  readonly service: SyncService;
  /** The real log underneath (the service may see a wrapped one). */
  readonly log: OperationLog;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Wraps the log the service sees (to make it fail). */
  readonly wrapLog?: (log: OperationLog) => OperationLog;
  readonly heartbeatMs?: number;
  /** Snapshot pages built ahead (`SyncServiceOptions.snapshotPagesAhead`). */
  readonly snapshotPagesAhead?: boolean;
}

/** A service on a fresh in-memory log. */
export const startHarness = async (options: HarnessOptions = {}): Promise<Harness> => {
  const log = await openSqliteLog({
    path: ':memory:',
    userFacilities: facilitiesByUser(PRINCIPAL_ENTRIES),
  });
  await seedReferenceData(log);
  const seen = options.wrapLog?.(log) ?? log;
  const service = createSyncService({
    log: seen,
    authenticator: bearerAuthenticator(PRINCIPAL_ENTRIES),
    logger: pino({ level: 'silent' }),
    metrics: new SyncMetrics(logMetricsSource(seen), { defaultMetrics: false }),
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...(options.snapshotPagesAhead === undefined
      ? {}
      : { snapshotPagesAhead: options.snapshotPagesAhead }),
  });
  return { service, log, close: () => log.close() };
};

export interface RequestOptions {
  readonly as?: TestUser;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Bytes as they are, anything else as JSON. */
  readonly body?: unknown;
  readonly signal?: AbortSignal;
}

/** A request as a host hands it over. */
export const request = (
  method: string,
  path: string,
  options: RequestOptions = {},
): HttpRequest => {
  const body =
    options.body === undefined
      ? new Uint8Array(0)
      : options.body instanceof Uint8Array
        ? options.body
        : new TextEncoder().encode(JSON.stringify(options.body));
  return {
    method,
    path,
    query: options.query ?? {},
    headers: {
      ...(options.as === undefined ? {} : { authorization: `Bearer ${TOKENS[options.as]}` }),
      ...options.headers,
    },
    body,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
};

/** The bytes of a response body, decompressed as its `content-encoding` says. */
export const bytesOf = (response: HttpResponse): Buffer => {
  if (!(response.body instanceof Uint8Array))
    throw new Error('expected a body of bytes, got a stream');
  return decodeBody(response.body, response.headers['content-encoding']);
};

/** The JSON of a response body. */
export const jsonOf = (response: HttpResponse): unknown =>
  JSON.parse(bytesOf(response).toString('utf8'));

/** A property of a JSON object, for assertions without casts. */
export const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null && key in value ? Reflect.get(value, key) : undefined;
