import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { COLLECTION_NAMES } from '../../src/domain/collections.ts';
import {
  type AuthoredOp,
  dataOf,
  decodeLoggedOp,
  decodeOperation,
  decodeOperationByCodecs,
  dotOf,
  encodeLoggedOp,
  encodeOperation,
  type LoggedOp,
  OpIdentity,
  SCHEMAS,
  type SchemaRegistry,
  type Upcaster,
  upcast,
} from '../../src/domain/operation.ts';
import { Author } from '../../src/domain/principal.ts';
import { leftOf, rightOf } from './expect-either.ts';
import { anyOpArb, KINDS, loggedOpArb, opArb } from './op-arbitraries.ts';

const RUNS = { numRuns: 200 };

/** The op as it travels: JSON text parsed back. */
const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** A valid patient create, as a device sends it. */
const patientCreate = {
  deviceId: 'tablet-07',
  seq: 12,
  hlc: { ms: 1_764_000_000_000, n: 0 },
  collection: 'patients',
  docId: '0193a1b2-0c4d-7e8f-9a0b-1c2d3e4f5a6b',
  kind: 'create',
  data: { fullName: 'Amina Kato', sex: 'F', dateOfBirth: '2024-02-29', facilityId: 'fac-1' },
  ctx: { 'tablet-07': 11, 'web-supervisor-2': 3 },
  schema: 1,
};

/** `patientCreate` without one field. */
const withoutField = (field: string): Record<string, unknown> =>
  Object.fromEntries(Object.entries(patientCreate).filter(([key]) => key !== field));

describe('decodeOperation accepts', () => {
  describe.each(COLLECTION_NAMES)('in %s', (collection) => {
    test.prop([fc.constantFrom(...KINDS).chain((kind) => opArb(collection, kind))], RUNS)(
      'a valid op of every kind, as it was sent',
      (op) => {
        expect(rightOf(decodeOperation(wire(encodeOperation(op))))).toEqual({
          op,
          upcastFrom: null,
        });
      },
    );
  });

  test.each(KINDS)('a valid %s op of a patient', (kind) => {
    const raw =
      kind === 'create'
        ? patientCreate
        : kind === 'update'
          ? { ...patientCreate, kind, data: { motherName: null } }
          : { ...withoutField('data'), kind };
    expect(rightOf(decodeOperation(raw)).op.kind).toBe(kind);
  });

  test('an op whose ctx omits devices, including its own', () => {
    expect(rightOf(decodeOperation({ ...patientCreate, ctx: {} })).op.ctx).toEqual({});
  });

  test('an op of the seq 2^53 - 1, the highest one', () => {
    const decoded = rightOf(decodeOperation({ ...patientCreate, seq: Number.MAX_SAFE_INTEGER }));
    expect(decoded.op.seq).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('decodeOperation drops', () => {
  test('unknown top-level fields: an author or a userId in the body changes nothing', () => {
    const decoded = rightOf(
      decodeOperation({
        ...patientCreate,
        author: { userId: 'admin', role: 'admin' },
        userId: 'admin',
        role: 'supervisor',
        cursor: '99',
        receivedAt: '2020-01-01T00:00:00Z',
      }),
    );
    expect(decoded).toEqual(rightOf(decodeOperation(patientCreate)));
    for (const key of ['author', 'userId', 'role', 'cursor', 'receivedAt']) {
      expect(Object.hasOwn(decoded.op, key)).toBe(false);
    }
  });

  test.prop([anyOpArb, fc.stringMatching(/^[a-z]{1,10}$/), fc.jsonValue()], RUNS)(
    'any unknown top-level field, whatever its value',
    (op, key, value) => {
      const raw = encodeOperation(op);
      fc.pre(!Object.hasOwn(raw, key));
      expect(rightOf(decodeOperation(wire({ ...raw, [key]: value }))).op).toEqual(op);
    },
  );
});

describe('decodeOperation refuses', () => {
  test.each([
    ['a create without data', withoutField('data'), 'data'],
    ['a create whose data is null', { ...patientCreate, data: null }, 'data'],
    ['an update without data', { ...withoutField('data'), kind: 'update' }, 'data'],
    ['an update with no field', { ...patientCreate, kind: 'update', data: {} }, 'data'],
    ['a delete with data', { ...patientCreate, kind: 'delete' }, 'data'],
    ['a restore with data', { ...patientCreate, kind: 'restore', data: {} }, 'data'],
    ['a delete whose data is null', { ...patientCreate, kind: 'delete', data: null }, 'data'],
    ['an unknown collection', { ...patientCreate, collection: 'users' }, 'collection'],
    ['a missing collection', withoutField('collection'), 'collection'],
    ['an unknown kind', { ...patientCreate, kind: 'upsert' }, 'kind'],
    ['a docId with a space', { ...patientCreate, docId: 'doc 1' }, 'docId'],
    ['an empty docId', { ...patientCreate, docId: '' }, 'docId'],
    ['a docId of 37 characters', { ...patientCreate, docId: 'd'.repeat(37) }, 'docId'],
    ['a deviceId with a leading dot', { ...patientCreate, deviceId: '.tablet' }, 'deviceId'],
    ['seq 0', { ...patientCreate, seq: 0 }, 'seq'],
    ['seq -1', { ...patientCreate, seq: -1 }, 'seq'],
    ['seq 1.5', { ...patientCreate, seq: 1.5 }, 'seq'],
    ['seq 2^53', { ...patientCreate, seq: 2 ** 53 }, 'seq'],
    ["seq '12'", { ...patientCreate, seq: '12' }, 'seq'],
    ['a missing seq', withoutField('seq'), 'seq'],
    ['a negative hlc.ms', { ...patientCreate, hlc: { ms: -1, n: 0 } }, 'hlc.ms'],
    ['a fractional hlc.n', { ...patientCreate, hlc: { ms: 1, n: 0.5 } }, 'hlc.n'],
    [
      'a ctx key that is not a device id',
      { ...patientCreate, ctx: { 'tab let': 1 } },
      'ctx.tab let',
    ],
    ['a negative ctx seq', { ...patientCreate, ctx: { 'tablet-09': -1 } }, 'ctx.tablet-09'],
    ['a ctx that is an array', { ...patientCreate, ctx: [1] }, 'ctx'],
    [
      'an unknown data field',
      { ...patientCreate, data: { ...patientCreate.data, nickname: 'Mimi' } },
      'data.nickname',
    ],
    [
      'an unknown field in an update',
      { ...patientCreate, kind: 'update', data: { nickname: 'Mimi' } },
      'data.nickname',
    ],
    ["sex 'Q'", { ...patientCreate, data: { ...patientCreate.data, sex: 'Q' } }, 'data.sex'],
    [
      'a missing required field of the data',
      { ...patientCreate, data: { sex: 'F', dateOfBirth: '2024-02-29', facilityId: 'fac-1' } },
      'data.fullName',
    ],
    ['a fractional schema', { ...patientCreate, schema: 1.5 }, 'schema'],
    ['a missing schema', withoutField('schema'), 'schema'],
    ["schema '1'", { ...patientCreate, schema: '1' }, 'schema'],
  ])('%s, as invalid at %s', (_what, raw, path) => {
    const error = leftOf(decodeOperation(raw));
    expect(error.code).toBe('invalid');
    expect(error.path).toBe(path);
  });

  test.each([null, 'op', 12, [patientCreate]])('the non-object %j, as invalid', (raw) => {
    expect(leftOf(decodeOperation(raw)).code).toBe('invalid');
  });

  test('a newer schema, as unsupported_schema at schema', () => {
    expect(leftOf(decodeOperation({ ...patientCreate, schema: 2 }))).toMatchObject({
      code: 'unsupported_schema',
      path: 'schema',
    });
  });

  test('a newer schema before anything else, so that the op is quarantined, never dropped', () => {
    const error = leftOf(decodeOperation({ ...patientCreate, seq: 0, collection: 'x', schema: 7 }));
    expect(error).toMatchObject({ code: 'unsupported_schema', path: 'schema' });
  });

  test('schema 0 with the default registry, as unsupported_schema', () => {
    expect(leftOf(decodeOperation({ ...patientCreate, schema: 0 }, SCHEMAS))).toMatchObject({
      code: 'unsupported_schema',
      path: 'schema',
    });
  });
});

describe('upcasting through a schema registry', () => {
  const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
    typeof u === 'object' && u !== null && !Array.isArray(u);

  /** The imagined schema 0, in which a patient had `name` where schema 1 has `fullName`. */
  const renamePatientName: Upcaster = (raw) => {
    if (raw.collection !== 'patients' || !isObject(raw.data) || !Object.hasOwn(raw.data, 'name')) {
      return { ...raw };
    }
    const { name, ...rest } = raw.data;
    return { ...raw, data: { ...rest, fullName: name } };
  };

  /** A registry for this test only: the real one has no schema 0. */
  const WITH_SCHEMA_0: SchemaRegistry = {
    current: 1,
    upcasters: new Map([[0, renamePatientName]]),
  };

  const schema0 = {
    ...patientCreate,
    schema: 0,
    data: { name: 'Amina Kato', sex: 'F', dateOfBirth: '2024-02-29', facilityId: 'fac-1' },
  };

  test('a schema-0 patient decodes with fullName, and says it was upcast from 0', () => {
    const decoded = rightOf(decodeOperation(schema0, WITH_SCHEMA_0));
    expect(decoded.upcastFrom).toBe(0);
    expect(decoded.op.schema).toBe(1);
    expect(dataOf(decoded.op)).toEqual({
      fullName: 'Amina Kato',
      sex: 'F',
      dateOfBirth: '2024-02-29',
      facilityId: 'fac-1',
    });
  });

  test('a schema-0 op decodes to the op that schema 1 would send', () => {
    const decoded = rightOf(decodeOperation(schema0, WITH_SCHEMA_0));
    expect(decoded.op).toEqual(rightOf(decodeOperation(patientCreate)).op);
  });

  test('a schema-0 op is unsupported_schema with the default registry', () => {
    expect(leftOf(decodeOperation(schema0))).toMatchObject({
      code: 'unsupported_schema',
      path: 'schema',
    });
  });

  test('a current op is not upcast: a schema-1 name is an unknown field', () => {
    expect(leftOf(decodeOperation({ ...schema0, schema: 1 }, WITH_SCHEMA_0))).toMatchObject({
      code: 'invalid',
      path: 'data.name',
    });
    expect(rightOf(decodeOperation(patientCreate, WITH_SCHEMA_0)).upcastFrom).toBeNull();
  });

  test('an upcast op is still decoded: a bad upcast value fails at its schema-1 path', () => {
    const bad = { ...schema0, data: { ...schema0.data, name: '' } };
    expect(leftOf(decodeOperation(bad, WITH_SCHEMA_0)).path).toBe('data.fullName');
  });

  test('upcasters run in order, one step at a time, each seeing the schema it upcasts', () => {
    const seen: number[] = [];
    const step =
      (from: number): Upcaster =>
      (raw) => {
        seen.push(Number(raw.schema));
        expect(raw.schema).toBe(from);
        return { ...raw };
      };
    const registry: SchemaRegistry = {
      current: 3,
      upcasters: new Map([
        [1, step(1)],
        [2, step(2)],
      ]),
    };
    const decoded = rightOf(decodeOperation({ ...patientCreate, schema: 1 }, registry));
    expect(seen).toEqual([1, 2]);
    expect(decoded.upcastFrom).toBe(1);
    expect(decoded.op.schema).toBe(3);
  });

  test('a gap in the registry is unsupported_schema', () => {
    const registry: SchemaRegistry = {
      current: 2,
      upcasters: new Map([[1, (raw) => ({ ...raw })]]),
    };
    expect(leftOf(upcast({ ...patientCreate, schema: 0 }, registry))).toMatchObject({
      code: 'unsupported_schema',
      path: 'schema',
    });
    expect(rightOf(upcast({ ...patientCreate, schema: 1 }, registry)).from).toBe(1);
  });
});

describe('encodeOperation', () => {
  test.prop([anyOpArb], RUNS)('encodeOperation and decodeOperation round-trip every op', (op) => {
    expect(rightOf(decodeOperation(wire(encodeOperation(op))))).toEqual({ op, upcastFrom: null });
  });

  test.prop([anyOpArb], RUNS)(
    'an encoded op carries data exactly when it is a create or an update',
    (op) => {
      const encoded = encodeOperation(op);
      expect(Object.hasOwn(encoded, 'data')).toBe(op.kind === 'create' || op.kind === 'update');
      expect(Object.keys(encoded).sort()).toEqual(
        [
          'collection',
          'ctx',
          'deviceId',
          'docId',
          'hlc',
          'kind',
          'schema',
          'seq',
          ...(op.kind === 'create' || op.kind === 'update' ? ['data'] : []),
        ].sort(),
      );
    },
  );

  test('encodeOperation leaves out what an op picked up on the way', () => {
    const op = rightOf(decodeOperation(patientCreate)).op;
    const authored: AuthoredOp = {
      ...op,
      author: rightOf(Author.decode({ userId: 'hw-1', role: 'health_worker' })),
      cursor: '000042',
      receivedAt: 1_764_000_000_000,
    };
    expect(encodeOperation(authored)).toEqual(patientCreate);
  });
});

describe('logged ops', () => {
  test.prop([loggedOpArb], RUNS)(
    'encodeLoggedOp and decodeLoggedOp round-trip every logged op',
    (op) => {
      expect(rightOf(decodeLoggedOp(wire(encodeLoggedOp(op))))).toEqual(op);
    },
  );

  test('a logged op travels with its time as ISO 8601', () => {
    const op = rightOf(decodeOperation(patientCreate)).op;
    const logged: LoggedOp = {
      ...op,
      cursor: '000042',
      author: rightOf(Author.decode({ userId: 'hw-1', role: 'health_worker' })),
      receivedAt: 1_764_000_000_000,
      scope: ['fac-1'],
    };
    expect(encodeLoggedOp(logged)).toEqual({
      ...patientCreate,
      cursor: '000042',
      author: { userId: 'hw-1', role: 'health_worker' },
      receivedAt: '2025-11-24T16:00:00.000Z',
      scope: ['fac-1'],
    });
  });

  const logged = {
    ...patientCreate,
    cursor: '000042',
    author: { userId: 'hw-1', role: 'health_worker' },
    receivedAt: '2025-11-24T16:00:00.000Z',
    scope: ['fac-1'],
  };

  test.each([
    ['a missing cursor', { ...logged, cursor: undefined }, 'cursor'],
    ['an author without a role', { ...logged, author: { userId: 'hw-1' } }, 'author.role'],
    [
      'an author of an unknown role',
      { ...logged, author: { userId: 'hw-1', role: 'x' } },
      'author.role',
    ],
    ['a receivedAt that is not a time', { ...logged, receivedAt: 'soon' }, 'receivedAt'],
    ['a scope that is not a list', { ...logged, scope: 'fac-1' }, 'scope'],
    ['a bad op', { ...logged, seq: 0 }, 'seq'],
  ])('decodeLoggedOp refuses %s at %s', (_what, raw, path) => {
    expect(leftOf(decodeLoggedOp(raw))).toMatchObject({ code: 'invalid', path });
  });
});

describe('op helpers', () => {
  test.prop([anyOpArb], RUNS)(
    'dataOf gives the fields of creates and updates, and none otherwise',
    (op) => {
      expect(dataOf(op)).toEqual(op.kind === 'create' || op.kind === 'update' ? op.data : {});
    },
  );

  test.prop([anyOpArb], RUNS)("dotOf gives the op's device and seq only", (op) => {
    expect(dotOf(op)).toEqual({ deviceId: op.deviceId, seq: op.seq });
  });

  test('OpIdentity reads the dot of a raw op and nothing more', () => {
    expect(rightOf(OpIdentity.decode(patientCreate))).toMatchObject({
      deviceId: 'tablet-07',
      seq: 12,
    });
    expect(leftOf(OpIdentity.decode({ deviceId: 'tablet-07', seq: 0 }))).toHaveLength(1);
  });
});

/** One small change to a JSON value at a random place: a member set, removed or added. */
interface Mutation {
  readonly where: readonly number[];
  readonly how: 'set' | 'remove' | 'add';
  readonly key: string;
  readonly value: unknown;
}

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  where: fc.array(fc.nat(), { maxLength: 3 }),
  how: fc.constantFrom('set', 'remove', 'add'),
  key: fc.constantFrom('data', 'ctx', 'hlc', 'kind', 'extra', 'fullName', 'constructor', 'ms'),
  value: fc.oneof(
    fc.jsonValue(),
    fc.constant(undefined),
    fc.constantFrom(0, -1, 1.5, '', ' ', 'x', 'F', '2024-02-30', '2024-02-29', null, true, {}, []),
  ),
});

const mutate = (value: unknown, m: Mutation): unknown => {
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = Array.isArray(value)
    ? Object.fromEntries(value.entries())
    : { ...value };
  const keys = Object.keys(copy);
  const [step, ...rest] = m.where;
  if (step !== undefined && keys.length > 0) {
    const key = keys[step % keys.length] ?? '';
    copy[key] = mutate(copy[key], { ...m, where: rest });
    return copy;
  }
  const target =
    keys.length > 0 && m.how !== 'add' ? (keys[m.key.length % keys.length] ?? m.key) : m.key;
  if (m.how === 'remove') delete copy[target];
  else copy[target] = m.value;
  return copy;
};

describe('decodeOperation fast path', () => {
  test.prop([anyOpArb, fc.array(mutationArb, { maxLength: 3 }), fc.boolean()], {
    numRuns: 2000,
  })(
    'answers exactly what the full decode answers, for valid and damaged ops alike',
    (op, mutations, overWire) => {
      let raw: unknown = encodeOperation(op);
      for (const m of mutations) raw = mutate(raw, m);
      if (overWire) raw = JSON.parse(JSON.stringify(raw) ?? 'null');
      expect(decodeOperation(raw)).toStrictEqual(decodeOperationByCodecs(raw));
    },
  );
});
