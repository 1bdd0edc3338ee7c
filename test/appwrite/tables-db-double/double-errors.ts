/**
 * Appwrite's error answers, as the test double sends them (APPWRITE.md section 3): a status and
 * the body `{message, code, type, version}`, which node-appwrite turns into an
 * `AppwriteException(message, code, type, response)`.
 */

/** The server version the double claims (node-appwrite 27 targets 1.9.x). */
export const DOUBLE_VERSION = '1.9.6';

/** A refusal the double answers with. */
export class DoubleError extends Error {
  readonly status: number;
  readonly type: string;

  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }

  /** The JSON body Appwrite sends for it. */
  body(): { message: string; code: number; type: string; version: string } {
    return { message: this.message, code: this.status, type: this.type, version: DOUBLE_VERSION };
  }
}

export const notFound = (type: string, message: string): DoubleError =>
  new DoubleError(404, type, message);
export const conflict = (type: string, message: string): DoubleError =>
  new DoubleError(409, type, message);
export const badRequest = (type: string, message: string): DoubleError =>
  new DoubleError(400, type, message);
