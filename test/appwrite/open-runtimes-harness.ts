/**
 * Executes a function entry as the open-runtimes Node runtime does (APPWRITE.md section 1):
 * it builds `context.req` (raw body as `bodyBinary`, `bodyText`, `bodyJson` that throws on
 * invalid JSON, lower-case headers without `x-open-runtimes-*`, `path` before `?`, `query`
 * split on `&` and the first `=` and not URL-decoded), `context.res` (`json`, `text`, `binary`,
 * `send`, `empty`, `redirect`, each returning `{body, statusCode, headers}` with lower-case
 * header names) and `context.log`/`context.error` (each call cut at 8,000 characters); calls
 * `mod.default || mod`; answers a missing return value with 500 "Return statement missing" and
 * a throw with 500, logging the stack; and adds the headers Appwrite sets on an execution.
 */

const LOG_LIMIT = 8000;

/** What the harness returns for an execution. */
export interface Execution {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly logs: readonly string[];
  readonly errors: readonly string[];
}

/** How the execution was triggered and by whom. */
export interface ExecutionRequest {
  readonly method?: string;
  /** Path and query string, e.g. `/v1/pull?after=x&limit=10`. */
  readonly url?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** `x-appwrite-user-id` ('' for API-key, guest and function-domain callers). */
  readonly userId?: string;
  readonly trigger?: 'http' | 'schedule' | 'event';
  readonly event?: string;
  /** `x-appwrite-key`, the execution's short-lived key. */
  readonly key?: string;
}

interface RuntimeResult {
  body: unknown;
  statusCode: number;
  headers: Record<string, string>;
}

const lowerCased = (headers: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

const textOf = (message: unknown): string =>
  (message instanceof Error
    ? (message.stack ?? message.message)
    : typeof message === 'string'
      ? message
      : JSON.stringify(message)
  ).slice(0, LOG_LIMIT);

/** Builds the runtime's `res`. */
const responder = () => {
  const result = (
    body: unknown,
    statusCode: number,
    headers: Readonly<Record<string, string>>,
    type: string,
  ): RuntimeResult => {
    const lower = lowerCased(headers);
    if (lower['content-type'] === undefined) lower['content-type'] = type;
    return { body, statusCode, headers: lower };
  };
  return {
    json: (obj: unknown, statusCode = 200, headers: Record<string, string> = {}) =>
      result(JSON.stringify(obj), statusCode, headers, 'application/json'),
    text: (s: string, statusCode = 200, headers: Record<string, string> = {}) =>
      result(s, statusCode, headers, 'text/plain'),
    binary: (bytes: Uint8Array, statusCode = 200, headers: Record<string, string> = {}) =>
      result(Buffer.from(bytes), statusCode, headers, 'application/octet-stream'),
    send: (body: string, statusCode = 200, headers: Record<string, string> = {}) =>
      result(body, statusCode, headers, 'text/plain'),
    empty: () => result('', 204, {}, 'text/plain'),
    redirect: (url: string, statusCode = 301, headers: Record<string, string> = {}) =>
      result('', statusCode, { ...headers, location: url }, 'text/plain'),
  };
};

/** Runs `mod` (a module namespace or a function) on one request. */
export const execute = async (mod: unknown, request: ExecutionRequest = {}): Promise<Execution> => {
  const url = new URL(request.url ?? '/', 'https://fn.appwrite.test');
  const bodyBinary =
    typeof request.body === 'string'
      ? Buffer.from(request.body)
      : (request.body ?? Buffer.alloc(0));
  const headers: Record<string, string> = {
    'x-appwrite-trigger': request.trigger ?? 'http',
    'x-appwrite-event': request.event ?? '',
    'x-appwrite-key': request.key ?? '',
    'x-appwrite-user-id': request.userId ?? '',
    'x-appwrite-user-jwt': '',
    'x-appwrite-execution-id': `exec-${Math.random().toString(36).slice(2)}`,
    'x-appwrite-client-ip': '127.0.0.1',
    'x-open-runtimes-secret': 'secret',
    ...lowerCased(request.headers ?? {}),
  };
  for (const name of Object.keys(headers))
    if (name.startsWith('x-open-runtimes-')) delete headers[name];
  const queryString = url.search.slice(1);
  const query: Record<string, string> = {};
  for (const part of queryString.split('&')) {
    if (part === '') continue;
    const at = part.indexOf('=');
    query[at < 0 ? part : part.slice(0, at)] = at < 0 ? '' : part.slice(at + 1);
  }
  const req = {
    bodyBinary,
    get bodyText() {
      return bodyBinary.toString('utf8');
    },
    get bodyJson(): unknown {
      return JSON.parse(bodyBinary.toString('utf8'));
    },
    get body(): unknown {
      return (headers['content-type'] ?? '').startsWith('application/json')
        ? JSON.parse(bodyBinary.toString('utf8'))
        : bodyBinary.toString('utf8');
    },
    headers,
    method: (request.method ?? 'GET').toUpperCase(),
    scheme: 'https',
    host: url.hostname,
    port: 443,
    path: url.pathname,
    queryString,
    query,
    url: url.toString(),
  };
  const logs: string[] = [];
  const errors: string[] = [];
  const context = {
    req,
    res: responder(),
    log: (...messages: unknown[]) => logs.push(messages.map(textOf).join(' ').slice(0, LOG_LIMIT)),
    error: (...messages: unknown[]) =>
      errors.push(messages.map(textOf).join(' ').slice(0, LOG_LIMIT)),
  };
  const entry =
    typeof mod === 'function'
      ? mod
      : typeof mod === 'object' && mod !== null
        ? Reflect.get(mod, 'default')
        : undefined;
  if (typeof entry !== 'function') throw new Error('the module exports no function');
  let output: unknown;
  try {
    output = await entry(context);
  } catch (error) {
    errors.push(textOf(error));
    return { statusCode: 500, headers: {}, body: Buffer.alloc(0), logs, errors };
  }
  if (output === undefined || output === null || typeof output !== 'object') {
    errors.push('Return statement missing. return context.res.empty() if no response is expected.');
    return { statusCode: 500, headers: {}, body: Buffer.alloc(0), logs, errors };
  }
  const statusCode = Reflect.get(output, 'statusCode');
  const body = Reflect.get(output, 'body');
  const outHeaders = Reflect.get(output, 'headers');
  return {
    statusCode: typeof statusCode === 'number' ? statusCode : 200,
    headers:
      typeof outHeaders === 'object' && outHeaders !== null
        ? lowerCased(Object.fromEntries(Object.entries(outHeaders).map(([k, v]) => [k, String(v)])))
        : {},
    body: Buffer.isBuffer(body)
      ? body
      : Buffer.from(typeof body === 'string' ? body : String(body ?? '')),
    logs,
    errors,
  };
};

/** The JSON of an execution's body. */
export const jsonOfExecution = (execution: Execution): unknown =>
  JSON.parse(execution.body.toString('utf8'));
