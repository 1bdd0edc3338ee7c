/**
 * A test double of Appwrite's TablesDB REST API (APPWRITE.md section 3), served over HTTP so that
 * the real node-appwrite SDK drives it: databases, tables, columns and indexes; rows (list with
 * JSON queries, create, get, upsert, update, delete); transactions (staging, commit,
 * `transaction_conflict`, the operation limit); error bodies; API-key authentication (keys
 * bypass row permissions, which are validated and stored).
 */
import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, TablesDB } from 'node-appwrite';
import { DoubleError, notFound } from './double-errors.ts';
import { type Caller, readBody, routeRequest } from './double-routes.ts';
import { DoubleState } from './double-state.ts';

/** Options of the double. */
export interface DoubleOptions {
  readonly projectId?: string;
  readonly apiKey?: string;
  readonly clock?: () => number;
  /** Operations per transaction (100: self-hosted and free plan). */
  readonly operationLimit?: number;
  /** Users who call with a JWT (`X-Appwrite-JWT`), by JWT: their id and their teams. */
  readonly users?: Readonly<
    Record<string, { readonly userId: string; readonly teams: readonly string[] }>
  >;
}

/** A request as the double logged it. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
}

/** A running double. */
export interface TablesDbDouble {
  /** The `/v1` endpoint to give `Client.setEndpoint`. */
  readonly endpoint: string;
  readonly projectId: string;
  readonly apiKey: string;
  readonly state: DoubleState;
  readonly requests: LoggedRequest[];
  /** A TablesDB service of node-appwrite on the double, with its key. */
  tablesDb(apiKey?: string): TablesDB;
  /** A TablesDB service acting as the user of a JWT (`options.users`). */
  tablesDbAsUser(jwt: string): TablesDB;
  close(): Promise<void>;
}

const unauthorized = (): DoubleError =>
  new DoubleError(
    401,
    'user_unauthorized',
    'The current user is not authorized to perform the requested action.',
  );

/** The caller of a request: the project's key, or a known user's JWT; else 401. */
const callerOf = (
  headers: IncomingHttpHeaders,
  projectId: string,
  apiKey: string,
  users: NonNullable<DoubleOptions['users']>,
): Caller => {
  if (headers['x-appwrite-project'] !== projectId) throw unauthorized();
  if (headers['x-appwrite-key'] === apiKey) return { kind: 'key' };
  const jwt = headers['x-appwrite-jwt'];
  const user = typeof jwt === 'string' && Object.hasOwn(users, jwt) ? users[jwt] : undefined;
  if (user === undefined) throw unauthorized();
  return {
    kind: 'user',
    userId: user.userId,
    roles: ['any', 'users', `user:${user.userId}`, ...user.teams.map((t) => `team:${t}`)],
  };
};

/** `GET /v1/account` (`Account.get()`): the user of a JWT; keys have no account. */
const accountOf = (caller: Caller): [number, object] => {
  if (caller.kind !== 'user') throw unauthorized();
  return [200, { $id: caller.userId, name: caller.userId, status: true }];
};

/** Starts a double on a free port of 127.0.0.1. */
export const startTablesDbDouble = async (options: DoubleOptions = {}): Promise<TablesDbDouble> => {
  const projectId = options.projectId ?? 'immune-test';
  const apiKey = options.apiKey ?? 'standard_test_key';
  const state = new DoubleState(options.clock ?? Date.now, options.operationLimit ?? 100);
  const requests: LoggedRequest[] = [];

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://double');
    const method = request.method ?? 'GET';
    requests.push({ method, path: url.pathname, query: url.search });
    let status: number;
    let payload: object | null;
    try {
      const caller = callerOf(request.headers, projectId, apiKey, options.users ?? {});
      const segments = url.pathname
        .split('/')
        .filter((s) => s !== '')
        .map(decodeURIComponent);
      if (segments[0] !== 'v1')
        throw notFound('general_route_not_found', 'The requested route was not found.');
      const body = method === 'GET' ? {} : await readBody(request);
      [status, payload] =
        segments[1] === 'account' && segments.length === 2 && method === 'GET'
          ? accountOf(caller)
          : await routeRequest(state, caller, method, segments.slice(1), url.searchParams, body);
    } catch (error) {
      const refusal =
        error instanceof DoubleError
          ? error
          : new DoubleError(500, 'general_unknown', String(error));
      [status, payload] = [refusal.status, refusal.body()];
    }
    if (payload === null) {
      response.writeHead(status).end();
      return;
    }
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
  };

  const server: Server = createServer((request, response) => void handle(request, response));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address: AddressInfo | string | null = server.address();
  if (address === null || typeof address === 'string') throw new Error('the double has no port');
  const { port } = address;
  const endpoint = `http://127.0.0.1:${port}/v1`;
  return {
    endpoint,
    projectId,
    apiKey,
    state,
    requests,
    tablesDb: (key = apiKey) =>
      new TablesDB(new Client().setEndpoint(endpoint).setProject(projectId).setKey(key)),
    tablesDbAsUser: (jwt) =>
      new TablesDB(new Client().setEndpoint(endpoint).setProject(projectId).setJWT(jwt)),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
