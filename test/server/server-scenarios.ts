/**
 * What every deployment of the server must do, end to end over HTTP: every route of PROTOCOL.md
 * and each of its error codes, compression both ways, and pokes. The SQLite and Postgres files
 * run these scenarios against a real server process each.
 */
import type { Client } from './http-client.ts';
import { pushPullScenarios } from './push-pull-scenarios.ts';
import { routeScenarios } from './route-scenarios.ts';

/**
 * Registers the scenarios. `client()` and `url()` are called inside the tests (the server starts
 * in the caller's `beforeAll`); `prefix` keeps device and document ids apart between runs on one
 * store.
 */
export const serverScenarios = (client: () => Client, url: () => string, prefix: string): void => {
  pushPullScenarios(client, prefix);
  routeScenarios(client, url, prefix);
};
