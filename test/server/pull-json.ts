/** Reading pull and push answers in the end-to-end tests. */
import { prop } from './http-client.ts';

/** The document ids of a pull's ops. */
export const docIds = (json: unknown): unknown[] => {
  const ops = prop(json, 'ops');
  return Array.isArray(ops) ? ops.map((op) => prop(op, 'docId')) : [];
};

/** The statuses of a push's results. */
export const statuses = (json: unknown): unknown[] => {
  const results = prop(json, 'results');
  return Array.isArray(results) ? results.map((r) => prop(r, 'status')) : [];
};
