/**
 * What a handler answers, before it becomes bytes: a JSON body, an error, plain text or an event
 * stream. Rendering (`render-answer.ts`) turns it into an `HttpResponse`, the same way for every
 * handler and every host.
 */
import type { HttpResponse } from '../adapters/http/http-exchange.ts';
import type { SyncError } from '../domain/errors.ts';

/** A handler's answer (see the module). */
export type Answer =
  | { readonly kind: 'json'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'error'; readonly error: SyncError }
  | {
      readonly kind: 'text';
      readonly status: number;
      readonly contentType: string;
      /** The text, or pieces of it to be concatenated (written as bytes without joining them). */
      readonly body: string | readonly string[];
    }
  | {
      /**
       * A response rendered already (a snapshot page built ahead); `after` runs once it is
       * ready to be sent.
       */
      readonly kind: 'rendered';
      readonly response: HttpResponse;
      readonly after?: () => void;
    }
  | {
      readonly kind: 'stream';
      readonly headers: Readonly<Record<string, string>>;
      readonly stream: ReadableStream<Uint8Array>;
    };

/** The content type of JSON answers. */
export const JSON_TYPE = 'application/json; charset=utf-8';

/** A `200` JSON answer. */
export const ok = (body: unknown): Answer => ({ kind: 'json', status: 200, body });

/** A `200` answer whose JSON body is already text (or pieces of it, in order). */
export const okJsonText = (body: string | readonly string[]): Answer => ({
  kind: 'text',
  status: 200,
  contentType: JSON_TYPE,
  body,
});

/** A refusal; its status follows from its code (`httpStatusOf`). */
export const failure = (error: SyncError): Answer => ({ kind: 'error', error });

/**
 * The wire form of an error, `{"code", "message", "path"?}`: exactly these keys, `path` only
 * where it applies (PROTOCOL.md, the error body and per-op rejections).
 */
export const errorJson = (
  error: SyncError,
): { readonly code: string; readonly message: string; readonly path?: string } =>
  error.path === undefined
    ? { code: error.code, message: error.message }
    : { code: error.code, message: error.message, path: error.path };

/** The body of an error answer: `{"error": {"code", "message", "path"?}}`. */
export const errorBody = (error: SyncError): { readonly error: ReturnType<typeof errorJson> } => ({
  error: errorJson(error),
});
