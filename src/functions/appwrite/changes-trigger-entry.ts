/**
 * The entry of the `changes-trigger` function, triggered by row events on the synced tables
 * (`appwrite.config.json`): it captures each edit made directly in Appwrite as a server-class
 * op (`changes-capture.ts`), writes the projected row back (marked, so that its own event is
 * ignored) and pokes the facilities that can see it. An edit the log rejects (it stays in the
 * quarantine) is undone in the row, which shows the log's document again.
 *
 * Answers (for the execution log; nobody waits for them): `200` with what was done or why the
 * event was ignored; `403 forbidden` for an execution not triggered by an event; `400
 * bad_request` for a body that is not a row; `503 unavailable` when the log cannot be opened.
 * A failure to append throws, so that the execution is marked failed with its stack logged.
 */
import * as E from 'fp-ts/lib/Either.js';
import { parseRowEvent } from '../../adapters/appwrite/row-event.ts';
import { syncError } from '../../domain/errors.ts';
import { parseJsonBody } from '../json-body.ts';
import { renderError } from '../render-answer.ts';
import { captureRowEvent } from './changes-capture.ts';
import { documentRowOf, fanOutCommit } from './commit-fanout.ts';
import type { FunctionHost, HostOpener } from './function-host.ts';
import { type FunctionEntry, runtimeResponseOf } from './open-runtimes-context.ts';

/** The entry over the host that `openHost` opens (once per container). */
export const changesTriggerEntry =
  (openHost: HostOpener): FunctionEntry =>
  async (context) => {
    const headers = context.req.headers;
    if (headers['x-appwrite-trigger'] !== 'event') {
      const refusal = syncError('forbidden', 'the changes trigger runs on database events only');
      return runtimeResponseOf(context.res, renderError(refusal));
    }
    const name = headers['x-appwrite-event'] ?? '';
    const event = parseRowEvent(name);
    if (event === undefined) {
      return context.res.json({ ignored: `${name === '' ? 'no event' : name} is not a row event` });
    }
    const row = parseJsonBody(context.req.bodyBinary);
    if (E.isLeft(row)) return runtimeResponseOf(context.res, renderError(row.left));

    let host: FunctionHost;
    try {
      host = await openHost(headers);
      host.admit(headers);
    } catch (error) {
      context.error(`immune-sync changes-trigger: cannot start: ${String(error)}`);
      const refusal = syncError('unavailable', 'the sync service cannot start now');
      return runtimeResponseOf(context.res, renderError(refusal));
    }
    const before = await host.log.head();
    const outcome = await captureRowEvent(host.log, host.databaseId, event, row.right);
    if (outcome.kind === 'ignored') {
      context.log(`immune-sync changes-trigger: ${name} ignored: ${outcome.reason}`);
      return context.res.json({ ignored: outcome.reason });
    }
    const result = outcome.result.results[0];
    context.log(
      `immune-sync changes-trigger: ${name} -> ${outcome.draft.kind} ${result?.status ?? '?'}`,
    );
    try {
      const targets = host.targetsFor(headers);
      if (host.fansOut) await fanOutCommit(host.log, targets, before);
      if (result?.status === 'rejected') {
        // The row keeps the edit the log refused: write it back as the log holds it.
        const { collection, docId } = outcome.draft;
        const row = await documentRowOf(host.log, { collection, docId });
        if (row !== undefined) await targets.rows.write(row);
      }
    } catch (error) {
      context.error(
        `immune-sync changes-trigger: Appwrite rows and sync heads not updated: ${String(error)}`,
      );
    }
    return context.res.json({ captured: outcome.draft.kind, result });
  };
