/**
 * `Authenticator` moved to `adapters/http/authenticator.ts`, where host adapters can implement
 * it; this re-export keeps older imports working until they point there.
 */
export type { Authenticator } from '../adapters/http/authenticator.ts';
