/**
 * Verifying a user's JWT with Appwrite (APPWRITE.md section 1: requests through a function's
 * domain carry no `x-appwrite-user-id`; take the user's JWT from a header and ask
 * `Account.get()` on a client set with `setJWT`).
 */
import { Account, Client } from 'node-appwrite';
import { hasAppwriteStatus } from './appwrite-connection.ts';

/**
 * The user id of a JWT, or undefined when Appwrite refuses it (401: invalid or expired); any
 * other failure rejects.
 */
export const accountOfJwt =
  (endpoint: string, projectId: string) =>
  async (jwt: string): Promise<string | undefined> => {
    const account = new Account(
      new Client().setEndpoint(endpoint).setProject(projectId).setJWT(jwt),
    );
    try {
      return (await account.get()).$id;
    } catch (error) {
      if (hasAppwriteStatus(error, 401)) return undefined;
      throw error;
    }
  };
