/**
 * The Appwrite functions of a deployment (DESIGN.md section 7, "Appwrite"): which routes of
 * PROTOCOL.md each HTTP function serves, and how each is declared in `appwrite.config.json`.
 * The event stream (`/v1/events`) is not among them: a function cannot hold a stream open, and
 * apps get their pokes from Realtime on the `sync_heads` rows instead.
 */
import type { RouteName } from '../sync-routes.ts';

/** A function that serves routes of the protocol. */
export interface HttpFunctionSpec {
  readonly name: string;
  /** The routes it serves; the first is the one a request for `/` reaches. */
  readonly routes: readonly [RouteName, ...RouteName[]];
  /** Seconds (Appwrite's default is 15; synchronous executions are cut at 30). */
  readonly timeout: number;
  /**
   * True when its requests append to the log, so that after a successful one the facilities'
   * `sync_heads` rows are updated (Realtime pokes).
   */
  readonly appends: boolean;
}

/** The HTTP functions, by name (each is bundled to `dist/functions/<name>/`). */
export const HTTP_FUNCTIONS: readonly HttpFunctionSpec[] = [
  { name: 'push', routes: ['push'], timeout: 30, appends: true },
  { name: 'pull', routes: ['pull', 'ops'], timeout: 30, appends: false },
  { name: 'snapshot', routes: ['snapshot'], timeout: 30, appends: false },
  { name: 'status', routes: ['status', 'health'], timeout: 15, appends: false },
  { name: 'history', routes: ['history'], timeout: 15, appends: false },
  { name: 'conflicts', routes: ['conflicts', 'resolve'], timeout: 15, appends: true },
  { name: 'verify', routes: ['verify'], timeout: 900, appends: false },
];

/** The event-triggered function that captures edits made directly in Appwrite. */
export const CHANGES_TRIGGER_FUNCTION = 'changes-trigger';

/** Every function's name, HTTP ones first. */
export const FUNCTION_NAMES: readonly string[] = [
  ...HTTP_FUNCTIONS.map((f) => f.name),
  CHANGES_TRIGGER_FUNCTION,
];

/** The spec of an HTTP function; an unknown name is a bug. */
export const httpFunction = (name: string): HttpFunctionSpec => {
  const spec = HTTP_FUNCTIONS.find((f) => f.name === name);
  if (spec === undefined) throw new Error(`bug: no HTTP function named ${name}`);
  return spec;
};
