/**
 * The Appwrite project a command works on: `--endpoint`, `--project` and `--key`, or
 * `APPWRITE_ENDPOINT`, `APPWRITE_PROJECT_ID` and `APPWRITE_API_KEY`.
 */
import type { AppwriteConnection } from '../adapters/appwrite/appwrite-connection.ts';

/** The project options as commander parses them. */
export interface AppwriteOptions {
  readonly endpoint?: string;
  readonly project?: string;
  readonly key?: string;
  readonly database: string;
  readonly json?: boolean;
}

/** The connection the options and the environment give, or the names of what is missing. */
export const connectionOf = (
  options: AppwriteOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): AppwriteConnection | string => {
  const endpoint = options.endpoint ?? env.APPWRITE_ENDPOINT;
  const projectId = options.project ?? env.APPWRITE_PROJECT_ID;
  const apiKey = options.key ?? env.APPWRITE_API_KEY;
  const missing = [
    ...(endpoint === undefined ? ['--endpoint (or APPWRITE_ENDPOINT)'] : []),
    ...(projectId === undefined ? ['--project (or APPWRITE_PROJECT_ID)'] : []),
    ...(apiKey === undefined ? ['--key (or APPWRITE_API_KEY)'] : []),
  ];
  if (endpoint === undefined || projectId === undefined || apiKey === undefined) {
    return `give ${missing.join(', ')}`;
  }
  return { endpoint, projectId, apiKey };
};
