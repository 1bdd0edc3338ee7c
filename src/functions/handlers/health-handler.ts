/** `GET /healthz`: no credentials; `{"ok": true, "head"}` while the log answers. */
import { ok } from '../answer.ts';
import type { PublicHandler } from '../sync-handler.ts';
import { encodeHealthResponse } from '../wire/health-messages.ts';

/** Answers the health check with the head. */
export const healthHandler: PublicHandler = async (_request, deps) =>
  ok(encodeHealthResponse(await deps.log.head()));
