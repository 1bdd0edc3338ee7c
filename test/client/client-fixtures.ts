/**
 * Test-only helpers for the client: replicas on the in-process sync service (the server
 * engineer's harness: a real log on SQLite in memory), a handler wrapper that injects faults,
 * and document data that the server accepts.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { HttpRequest, HttpResponse } from '../../src/adapters/http/http-exchange.ts';
import { createReplica, type Replica, type ReplicaOptions } from '../../src/client/replica.ts';
import type { StoredDocument } from '../../src/client/store/replica-store.ts';
import {
  inProcessTransport,
  type RequestHandler,
} from '../../src/client/transports/in-process-transport.ts';
import type { SyncTransport } from '../../src/client/transports/sync-transport.ts';
import { decodePullAnswer } from '../../src/client/transports/wire-answers.ts';
import type { Role } from '../../src/domain/principal.ts';
import type { OperationLog } from '../../src/log/operation-log.ts';
import { emptyState } from '../../src/projections/document-state.ts';
import { type TestUser, TOKENS } from '../functions/sync-fixtures.ts';

/** A patient a replica store holds with an empty state as base and view (store-level tests). */
export const emptyStoredPatient = (docId: string): StoredDocument => {
  const state = emptyState('patients', docId);
  return {
    collection: 'patients',
    docId,
    base: state,
    complete: false,
    view: state,
    stale: false,
    generation: 1,
    pending: false,
  };
};

/** The principal of each test user (as the harness's principals file has them). */
export const PRINCIPALS: Readonly<
  Record<TestUser, { readonly userId: string; readonly role: Role }>
> = {
  admin: { userId: 'admin', role: 'admin' },
  auditor: { userId: 'auditor', role: 'auditor' },
  supervisor: { userId: 'supervisor', role: 'supervisor' },
  hwNorth: { userId: 'hw-north', role: 'health_worker' },
  hwNorth2: { userId: 'hw-north-2', role: 'health_worker' },
  hwSouth: { userId: 'hw-south', role: 'health_worker' },
};

/** A patient the server accepts in `facilityId`. */
export const patientData = (fullName: string, facilityId = 'fac-north') => ({
  fullName,
  sex: 'F' as const,
  dateOfBirth: '2024-01-02',
  facilityId,
});

/** An immunization record the server accepts for `patientId`. */
export const recordData = (patientId: string, doseNumber = 1, facilityId = 'fac-north') => ({
  patientId,
  vaccineId: 'vac-penta',
  doseNumber,
  dateAdministered: '2024-03-01',
  facilityId,
});

/** The right value of an Either, or a thrown error naming what was expected. */
export const rightOf = <A>(result: E.Either<unknown, A>, what = 'a right value'): A => {
  if (E.isLeft(result)) throw new Error(`expected ${what}, got ${JSON.stringify(result.left)}`);
  return result.right;
};

/**
 * Wraps a handler to inject faults. Each hook sees the request and may answer instead of the
 * server (`before`), or change what the server answered (`after`); `down` makes every request
 * fail like a refused connection. `requests` records what reached the wrapper.
 */
export class FaultyHandler {
  readonly #inner: RequestHandler;
  down = false;
  /** Changes a request before the server sees it. */
  rewrite: ((request: HttpRequest) => HttpRequest) | null = null;
  before: ((request: HttpRequest) => HttpResponse | undefined) | null = null;
  after: ((request: HttpRequest, response: HttpResponse) => HttpResponse) | null = null;
  readonly requests: HttpRequest[] = [];

  constructor(inner: RequestHandler) {
    this.#inner = inner;
  }

  readonly handle: RequestHandler = async (request) => {
    this.requests.push(request);
    if (this.down) throw new Error('connection refused');
    const early = this.before?.(request);
    if (early !== undefined) return early;
    const response = await this.#inner(this.rewrite?.(request) ?? request);
    return this.after === null ? response : this.after(request, response);
  };

  /** Requests to a path so far. */
  count(method: string, path: string): number {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(path)).length;
  }
}

/** The JSON body of a request or a response of bytes. */
export const jsonBody = (body: HttpRequest['body'] | HttpResponse['body']): unknown =>
  body instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(body)) : undefined;

/** The ops array of a push body. */
export const pushedOps = (request: HttpRequest): readonly unknown[] => {
  const body = jsonBody(request.body);
  const ops = typeof body === 'object' && body !== null ? Reflect.get(body, 'ops') : undefined;
  return Array.isArray(ops) ? ops : [];
};

/** Every logged op the user can read, from the start of the log, as `deviceId:seq`. */
export const loggedDots = async (handler: RequestHandler, user: TestUser): Promise<string[]> => {
  const dots: string[] = [];
  let after: string | undefined;
  for (;;) {
    const response = await handler({
      method: 'GET',
      path: '/v1/pull',
      query: { limit: '5000', ...(after === undefined ? {} : { after }) },
      headers: { authorization: `Bearer ${TOKENS[user]}` },
      body: new Uint8Array(),
    });
    const page = rightOf(decodePullAnswer(jsonBody(response.body)), 'a pull page');
    dots.push(...page.ops.map((op) => `${op.deviceId}:${op.seq}`));
    if (!page.hasMore) return dots;
    after = page.next;
  }
};

/** A JSON error answer, as the server renders one. */
export const errorResponse = (status: number, code: string): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: new TextEncoder().encode(JSON.stringify({ error: { code, message: code } })),
});

/** A transport to the handler as `user`. */
export const transportAs = (handler: RequestHandler, user: TestUser): SyncTransport =>
  inProcessTransport({ handler, token: TOKENS[user] });

/** A replica of `user` on the handler (in memory unless `path` is given). */
export const replicaOf = (
  handler: RequestHandler,
  user: TestUser,
  deviceId: string,
  options: Partial<ReplicaOptions> = {},
): Promise<Replica> =>
  createReplica({
    deviceId,
    principal: PRINCIPALS[user],
    transport: transportAs(handler, user),
    backoff: { baseMs: 20, maxMs: 200 },
    ...options,
  });

/** Waits until `check` holds (polling), or fails after `timeoutMs`. */
export const eventually = async (
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
  what = 'the condition',
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${what} did not hold within ${timeoutMs} ms`);
};

/** The log, its snapshots cut in pages of `size` documents (to bootstrap in many pages). */
export const snapshotPagesOf =
  (size: number) =>
  (log: OperationLog): OperationLog =>
    new Proxy(log, {
      get(target, property, receiver) {
        if (property === 'snapshot') {
          const snapshot: OperationLog['snapshot'] = (principal, page) =>
            target.snapshot(principal, page, size);
          return snapshot;
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
