import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect } from 'vitest';
import { facilityIdArb, userIdArb } from '../../src/domain/arbitraries.ts';
import {
  ALL_FACILITIES,
  Author,
  type AuthorityClass,
  type AuthorRole,
  authorityClassOf,
  listsFacility,
  Principal,
  PrincipalsFile,
  Role,
  readsEverything,
  UserProfile,
} from '../../src/domain/principal.ts';
import { refusalOf, rightOf } from './expect-either.ts';

const RUNS = { numRuns: 200 };

const ROLES = ['health_worker', 'supervisor', 'admin', 'auditor'] as const;
const roleArb = fc.constantFrom(...ROLES);

const principalArb: fc.Arbitrary<Principal> = fc.record({
  userId: userIdArb(),
  role: roleArb,
  facilityIds: fc.array(
    fc.oneof({ weight: 5, arbitrary: facilityIdArb() }, fc.constant(ALL_FACILITIES)),
    {
      maxLength: 4,
    },
  ),
});

describe('authorityClassOf', () => {
  /** DESIGN.md section 3 and PROTOCOL.md, Roles. */
  const CLASSES: Readonly<Record<AuthorRole, AuthorityClass>> = {
    health_worker: 'client',
    supervisor: 'server',
    admin: 'server',
    auditor: 'server',
    system: 'server',
  };

  test.each(Object.entries(CLASSES))('the role %s is of %s class', (role, expected) => {
    const decoded = rightOf(Author.decode({ userId: 'u1', role }));
    expect(authorityClassOf(decoded.role)).toBe(expected);
  });

  test('the table names every author role', () => {
    for (const role of [...ROLES, 'system']) expect(Object.keys(CLASSES)).toContain(role);
  });
});

describe('readsEverything', () => {
  test.each([
    ['admin', true],
    ['auditor', true],
    ['supervisor', false],
    ['health_worker', false],
  ] as const)('the role %s reads every facility: %s', (role, expected) => {
    expect(readsEverything(role)).toBe(expected);
  });
});

describe('listsFacility', () => {
  test.prop([principalArb, facilityIdArb()], RUNS)(
    'a principal lists a facility when its list names it or holds "*"',
    (principal, facilityId) => {
      const expected =
        principal.facilityIds.includes(ALL_FACILITIES) ||
        principal.facilityIds.includes(facilityId);
      expect(listsFacility(principal, facilityId)).toBe(expected);
    },
  );

  test.prop([principalArb, facilityIdArb()], RUNS)(
    '"*" lists every facility',
    (principal, facilityId) => {
      expect(listsFacility({ ...principal, facilityIds: [ALL_FACILITIES] }, facilityId)).toBe(true);
    },
  );

  test('an empty list lists no facility, whatever the role', () => {
    const admin = rightOf(Principal.decode({ userId: 'a', role: 'admin', facilityIds: [] }));
    expect(listsFacility(admin, 'f1')).toBe(false);
  });

  test('a list names facilities exactly, not by prefix', () => {
    const principal = rightOf(
      Principal.decode({ userId: 'hw-1', role: 'health_worker', facilityIds: ['f1', 'f22'] }),
    );
    expect(listsFacility(principal, 'f1')).toBe(true);
    expect(listsFacility(principal, 'f2')).toBe(false);
  });
});

describe('Principal and PrincipalsFile codecs', () => {
  test.prop([principalArb], RUNS)(
    'the Principal codec round-trips every principal',
    (principal) => {
      expect(rightOf(Principal.decode(JSON.parse(JSON.stringify(principal))))).toEqual(principal);
    },
  );

  test('the Principal codec drops unknown keys', () => {
    expect(
      rightOf(
        Principal.decode({ userId: 'u1', role: 'auditor', facilityIds: ['*'], token: 'secret' }),
      ),
    ).toEqual({ userId: 'u1', role: 'auditor', facilityIds: ['*'] });
  });

  test.each([
    [{ userId: 'u1', role: 'nurse', facilityIds: [] }, 'role'],
    [{ userId: 'u1', role: 'system', facilityIds: [] }, 'role'],
    [{ userId: 'u 1', role: 'admin', facilityIds: [] }, 'userId'],
    [{ role: 'admin', facilityIds: [] }, 'userId'],
    [{ userId: 'u1', role: 'admin', facilityIds: 'f1' }, 'facilityIds'],
    [{ userId: 'u1', role: 'admin', facilityIds: ['f1', '**'] }, 'facilityIds.1'],
    [{ userId: 'u1', role: 'admin', facilityIds: ['', 'f1'] }, 'facilityIds.0'],
  ])('the Principal codec refuses %j at %s', (value, path) => {
    expect(refusalOf(Principal, value).path).toBe(path);
  });

  test('the principals file is an array of entries with tokens', () => {
    const file = [
      { token: 't-1', userId: 'hw-1', role: 'health_worker', facilityIds: ['f1'] },
      { token: 't-2', userId: 'sup-1', role: 'supervisor', facilityIds: ['f1', 'f2'] },
      { token: 't-3', userId: 'admin', role: 'admin', facilityIds: ['*'] },
    ];
    expect(rightOf(PrincipalsFile.decode(file))).toEqual(file);
  });

  test.each([
    [[{ userId: 'hw-1', role: 'health_worker', facilityIds: [] }], '0.token'],
    [
      [
        { token: 't', userId: 'a', role: 'admin', facilityIds: [] },
        { token: 't', userId: 'b', role: 'root', facilityIds: [] },
      ],
      '1.role',
    ],
    [{ token: 't', userId: 'a', role: 'admin', facilityIds: [] }, ''],
  ])('the principals file %j is refused at %j', (value, path) => {
    expect(refusalOf(PrincipalsFile, value, 'principals').path).toBe(
      path === '' ? 'principals' : `principals.${path}`,
    );
  });

  test.prop([roleArb], RUNS)('every role decodes and no other string does', (role) => {
    expect(rightOf(Role.decode(role))).toBe(role);
    expect(E.isLeft(Role.decode(role.toUpperCase()))).toBe(true);
  });

  test('a user profile needs a role and facilities, and may carry a name and an email', () => {
    expect(
      rightOf(UserProfile.decode({ role: 'supervisor', facilityIds: ['f1'], name: 'S', x: 1 })),
    ).toEqual({
      role: 'supervisor',
      facilityIds: ['f1'],
      name: 'S',
    });
    expect(refusalOf(UserProfile, { role: 'supervisor', facilityIds: ['f1'], email: 5 }).path).toBe(
      'email',
    );
    expect(refusalOf(UserProfile, { facilityIds: [] }).path).toBe('role');
  });

  test('an author is a user and an author role, system included', () => {
    expect(rightOf(Author.decode({ userId: 'server', role: 'system' }))).toEqual({
      userId: 'server',
      role: 'system',
    });
    expect(refusalOf(Author, { userId: 'u', role: 'root' }, 'author').path).toBe('author.role');
  });
});
