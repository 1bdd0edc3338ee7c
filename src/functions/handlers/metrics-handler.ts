/** `GET /metrics`: the Prometheus text, for admins. */
import { forbidden } from '../../domain/errors.ts';
import { may } from '../../domain/permissions.ts';
import { failure } from '../answer.ts';
import type { SyncHandler } from '../sync-handler.ts';

/** Serves the metrics to admins. */
export const metricsHandler: SyncHandler = async ({ principal }, deps) => {
  if (!may(principal, 'read_metrics', [])) return failure(forbidden('metrics are for admins'));
  const { contentType, text } = await deps.metrics.render();
  return { kind: 'text', status: 200, contentType, body: text };
};
