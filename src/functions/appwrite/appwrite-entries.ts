/** The deployed HTTP function entries: each mounts its routes on the container's host. */
import { httpFunction } from './appwrite-functions.ts';
import { openAppwriteHost } from './appwrite-host.ts';
import { httpFunctionEntry } from './http-function-entry.ts';
import type { FunctionEntry } from './open-runtimes-context.ts';

/** The entry of the HTTP function `name` (see `HTTP_FUNCTIONS`). */
export const appwriteFunctionEntry = (name: string): FunctionEntry =>
  httpFunctionEntry(httpFunction(name), openAppwriteHost);
