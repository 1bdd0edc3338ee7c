/**
 * The routes of PROTOCOL.md and their handlers: one table that every host mounts (the standalone
 * server at these patterns, Appwrite functions by matching `req.path` and `req.method`).
 */
import { conflictsHandler } from './handlers/conflicts-handler.ts';
import { documentOpsHandler } from './handlers/document-ops-handler.ts';
import { eventsHandler } from './handlers/events-handler.ts';
import { healthHandler } from './handlers/health-handler.ts';
import { historyHandler } from './handlers/history-handler.ts';
import { metricsHandler } from './handlers/metrics-handler.ts';
import { pullHandler } from './handlers/pull-handler.ts';
import { pushHandler } from './handlers/push-handler.ts';
import { resolveHandler } from './handlers/resolve-handler.ts';
import { snapshotHandler } from './handlers/snapshot-handler.ts';
import { statusHandler } from './handlers/status-handler.ts';
import { verifyHandler } from './handlers/verify-handler.ts';
import type { PublicHandler, SyncHandler } from './sync-handler.ts';

/** The use cases, as metric labels and log fields name them. */
export type RouteName =
  | 'push'
  | 'pull'
  | 'ops'
  | 'snapshot'
  | 'events'
  | 'status'
  | 'history'
  | 'conflicts'
  | 'resolve'
  | 'verify'
  | 'health'
  | 'metrics';

/** A route of the protocol: open to everyone, or behind authentication. */
export type SyncRoute = {
  readonly name: RouteName;
  readonly method: 'GET' | 'POST';
  readonly pattern: string;
} & (
  | { readonly access: 'public'; readonly handle: PublicHandler }
  | { readonly access: 'authenticated'; readonly handle: SyncHandler }
);

/** Every route of PROTOCOL.md. */
export const SYNC_ROUTES: readonly SyncRoute[] = [
  {
    name: 'push',
    method: 'POST',
    pattern: '/v1/push',
    access: 'authenticated',
    handle: pushHandler,
  },
  {
    name: 'pull',
    method: 'GET',
    pattern: '/v1/pull',
    access: 'authenticated',
    handle: pullHandler,
  },
  {
    name: 'ops',
    method: 'GET',
    pattern: '/v1/ops/:collection/:docId',
    access: 'authenticated',
    handle: documentOpsHandler,
  },
  {
    name: 'snapshot',
    method: 'GET',
    pattern: '/v1/snapshot',
    access: 'authenticated',
    handle: snapshotHandler,
  },
  {
    name: 'events',
    method: 'GET',
    pattern: '/v1/events',
    access: 'authenticated',
    handle: eventsHandler,
  },
  {
    name: 'status',
    method: 'GET',
    pattern: '/v1/status',
    access: 'authenticated',
    handle: statusHandler,
  },
  {
    name: 'history',
    method: 'GET',
    pattern: '/v1/history/:collection/:docId',
    access: 'authenticated',
    handle: historyHandler,
  },
  {
    name: 'conflicts',
    method: 'GET',
    pattern: '/v1/conflicts',
    access: 'authenticated',
    handle: conflictsHandler,
  },
  {
    name: 'resolve',
    method: 'POST',
    pattern: '/v1/conflicts/:id/resolve',
    access: 'authenticated',
    handle: resolveHandler,
  },
  {
    name: 'verify',
    method: 'POST',
    pattern: '/v1/verify',
    access: 'authenticated',
    handle: verifyHandler,
  },
  { name: 'health', method: 'GET', pattern: '/healthz', access: 'public', handle: healthHandler },
  {
    name: 'metrics',
    method: 'GET',
    pattern: '/metrics',
    access: 'authenticated',
    handle: metricsHandler,
  },
];
