/**
 * Principals and roles (DESIGN.md section 6, PROTOCOL.md Roles). Identity comes from
 * authentication, never from a request body: a principal is what the host resolved a token or an
 * Appwrite user to.
 */
import * as t from 'io-ts';
import { FacilityId, UserId } from './ids.ts';

/** The roles a user can have. */
export const Role = t.keyof(
  { health_worker: null, supervisor: null, admin: null, auditor: null },
  'Role',
);
export type Role = t.TypeOf<typeof Role>;

/** Who authored a logged op: a user's role, or `system` for the server's own appends. */
export const AuthorRole = t.union([Role, t.literal('system')], 'AuthorRole');
export type AuthorRole = t.TypeOf<typeof AuthorRole>;

/** The author stamped on a logged op, from authentication. */
export const Author = t.exact(t.type({ userId: UserId, role: AuthorRole }), 'Author');
export type Author = Readonly<t.TypeOf<typeof Author>>;

/** `"*"`: every facility. */
export const ALL_FACILITIES = '*';

/** A facility list: ids, or `["*"]` for all of them. */
export const FacilityList = t.readonlyArray(t.union([FacilityId, t.literal(ALL_FACILITIES)]));

/** An authenticated user, as the host resolved them. */
export const Principal = t.exact(
  t.type({ userId: UserId, role: Role, facilityIds: FacilityList }),
  'Principal',
);
export type Principal = Readonly<t.TypeOf<typeof Principal>>;

/** One entry of the standalone server's principals file. */
export const PrincipalEntry = t.exact(
  t.type({ token: t.string, userId: UserId, role: Role, facilityIds: FacilityList }),
  'PrincipalEntry',
);
export type PrincipalEntry = Readonly<t.TypeOf<typeof PrincipalEntry>>;

/** The principals file: a JSON array of entries. */
export const PrincipalsFile = t.readonlyArray(PrincipalEntry, 'PrincipalsFile');

/** A user's row in Appwrite's `users` table: role and facilities. */
export const UserProfile = t.exact(
  t.intersection([
    t.type({ role: Role, facilityIds: FacilityList }),
    t.partial({ name: t.string, email: t.string }),
  ]),
  'UserProfile',
);
export type UserProfile = Readonly<t.TypeOf<typeof UserProfile>>;

/** Server class outranks client class in conflicts (DESIGN.md section 3). */
export type AuthorityClass = 'server' | 'client';

/** `system`, `supervisor`, `admin` and `auditor` (resolutions) are server class. */
export const authorityClassOf = (role: AuthorRole): AuthorityClass => {
  switch (role) {
    case 'health_worker':
      return 'client';
    case 'supervisor':
    case 'admin':
    case 'auditor':
    case 'system':
      return 'server';
    default: {
      const unreachable: never = role;
      return unreachable;
    }
  }
};

/** True for roles that read every facility whatever their list says. */
export const readsEverything = (role: Role): boolean => role === 'admin' || role === 'auditor';

/** True when the principal's own list names the facility (or all of them). */
export const listsFacility = (principal: Principal, facilityId: string): boolean =>
  principal.facilityIds.some((f) => f === ALL_FACILITIES || f === facilityId);
