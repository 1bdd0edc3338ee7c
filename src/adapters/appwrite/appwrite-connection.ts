/**
 * Connecting to an Appwrite project with node-appwrite: the endpoint, the project and an API key
 * (in a function, the execution's `x-appwrite-key`, whose scopes are the function's `scopes`;
 * from the command line, a key the operator created). APPWRITE.md section 3.
 */
import { AppwriteException, Client, TablesDB } from 'node-appwrite';

/** Where the project is and the key to use. */
export interface AppwriteConnection {
  /** `https://<region>.cloud.appwrite.io/v1` or a self-hosted server's `/v1`. */
  readonly endpoint: string;
  readonly projectId: string;
  readonly apiKey: string;
}

/** A TablesDB service on the connection. */
export const tablesDbOf = (connection: AppwriteConnection): TablesDB =>
  new TablesDB(
    new Client()
      .setEndpoint(connection.endpoint)
      .setProject(connection.projectId)
      .setKey(connection.apiKey),
  );

/** True when `error` is Appwrite's answer with this error type (`row_not_found`, ...). */
export const isAppwriteError = (error: unknown, type: string): boolean =>
  error instanceof AppwriteException && error.type === type;

/** True when `error` is an Appwrite answer with this HTTP status. */
export const hasAppwriteStatus = (error: unknown, status: number): boolean =>
  error instanceof AppwriteException && error.code === status;
