/**
 * Turning an `Answer` into an `HttpResponse`: JSON bodies, error bodies with the status of their
 * code, compression by `Accept-Encoding`, and the protocol version header on everything.
 */
import type { HttpResponse } from '../adapters/http/http-exchange.ts';
import { httpStatusOf, type SyncError } from '../domain/errors.ts';
import type { Answer } from './answer.ts';
import { errorBody, JSON_TYPE } from './answer.ts';
import { compress, MIN_COMPRESSED_BYTES, negotiateCoding } from './content-coding.ts';
import { PROTOCOL_VERSION } from './protocol-version.ts';
import { utf8Bytes } from './utf8-bytes.ts';

/** The header every answer carries, with `PROTOCOL_VERSION`. */
export const PROTOCOL_HEADER = 'x-immune-sync-protocol';

const encoder = new TextEncoder();

const baseHeaders = (contentType: string): Record<string, string> => ({
  'content-type': contentType,
  [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
});

/** An error answer, uncompressed (error bodies are small), ready at once. */
export const renderError = (error: SyncError): HttpResponse => ({
  status: httpStatusOf(error.code),
  headers: { ...baseHeaders(JSON_TYPE), 'cache-control': 'no-store' },
  body: encoder.encode(JSON.stringify(errorBody(error))),
});

const renderBytes = async (
  status: number,
  contentType: string,
  text: string | readonly string[],
  acceptEncoding: string | undefined,
): Promise<HttpResponse> => {
  const bytes = utf8Bytes(text);
  const headers = {
    ...baseHeaders(contentType),
    'cache-control': 'no-store',
    vary: 'accept-encoding',
  };
  const coding =
    bytes.byteLength >= MIN_COMPRESSED_BYTES ? negotiateCoding(acceptEncoding) : 'identity';
  if (coding === 'identity') return { status, headers, body: bytes };
  return {
    status,
    headers: { ...headers, 'content-encoding': coding },
    body: await compress(bytes, coding),
  };
};

/** The response of an answer to a request with these headers. */
export const renderAnswer = async (
  answer: Answer,
  requestHeaders: Readonly<Record<string, string>>,
): Promise<HttpResponse> => {
  const acceptEncoding = requestHeaders['accept-encoding'];
  switch (answer.kind) {
    case 'json':
      return renderBytes(answer.status, JSON_TYPE, JSON.stringify(answer.body), acceptEncoding);
    case 'text':
      return renderBytes(answer.status, answer.contentType, answer.body, acceptEncoding);
    case 'error':
      return renderError(answer.error);
    case 'rendered':
      return answer.response;
    case 'stream':
      return {
        status: 200,
        headers: { ...answer.headers, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
        body: answer.stream,
      };
    default: {
      const unreachable: never = answer;
      return unreachable;
    }
  }
};
