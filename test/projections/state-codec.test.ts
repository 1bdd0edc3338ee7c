/**
 * The state codec: states stored and sent packed, older plain rows still read, and fast paths
 * that take a value as it is only when decoding it would give it back unchanged (anything else
 * goes through the full decode and its error report).
 */
import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect } from 'vitest';
import { canonicalJson } from '../../src/domain/canonical-json.ts';
import { fold } from '../../src/projections/document-state.ts';
import { materialize, materializePacked } from '../../src/projections/materialize.ts';
import {
  isPackedState,
  PackedStateCodec,
  pack,
  unpack,
} from '../../src/projections/packed-state.ts';
import {
  DocumentStateCodec,
  decodeState,
  encodeState,
  isBareState,
  packedForm,
  packedStateFromSnapshotMeta,
  snapshotMeta,
  stateFromSnapshotMeta,
} from '../../src/projections/state-codec.ts';
import { historyArb } from './histories.ts';

const RUNS = { numRuns: 200 };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value inside `value` (the root included). */
const pathsOf = (value: unknown, at: readonly (string | number)[] = []): (string | number)[][] => {
  const here = [[...at]];
  if (Array.isArray(value)) {
    return [...here, ...value.flatMap((v, i) => pathsOf(v, [...at, i]))];
  }
  if (typeof value === 'object' && value !== null) {
    return [...here, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...at, k]))];
  }
  return here;
};

type Mutation =
  | { readonly kind: 'replace'; readonly value: Json }
  | { readonly kind: 'add_key'; readonly key: string; readonly value: Json }
  | { readonly kind: 'drop' };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), value: fc.jsonValue() as fc.Arbitrary<Json> }),
  fc.record({
    kind: fc.constant('add_key' as const),
    key: fc.constantFrom('extra', 'ms', 'userId', '__proto__', 'role', 'n'),
    value: fc.jsonValue() as fc.Arbitrary<Json>,
  }),
  fc.record({ kind: fc.constant('drop' as const) }),
);

/** A copy of `root` (JSON) with one mutation at `path`. */
const mutate = (root: Json, path: readonly (string | number)[], mutation: Mutation): Json => {
  const copy: Json = JSON.parse(JSON.stringify(root));
  if (path.length === 0) return mutation.kind === 'replace' ? mutation.value : copy;
  let parent: unknown = copy;
  for (const step of path.slice(0, -1)) parent = Reflect.get(parent as object, step);
  const last = path[path.length - 1] as string | number;
  if (typeof parent !== 'object' || parent === null) return copy;
  const target: unknown = Reflect.get(parent, last);
  switch (mutation.kind) {
    case 'replace':
      Reflect.set(parent, last, mutation.value);
      break;
    case 'add_key':
      if (typeof target === 'object' && target !== null && !Array.isArray(target)) {
        Object.defineProperty(target, mutation.key, {
          value: mutation.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      break;
    case 'drop':
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else Reflect.deleteProperty(parent, last);
      break;
  }
  return copy;
};

const stateArb = historyArb().map((h) => fold(h.collection, h.docId, h.ops));

/** A state in its plain form (as rows written before states were packed hold it). */
const plainJsonArb = stateArb.map((state): Json => JSON.parse(JSON.stringify(state)));
const packedJsonArb = stateArb.map((state): Json => JSON.parse(encodeState(state)));

const mutatedOf = (arb: fc.Arbitrary<Json>): fc.Arbitrary<Json> =>
  arb.chain((json) =>
    fc
      .tuple(fc.constantFrom(...pathsOf(json)), mutationArb)
      // Through JSON text, as a stored state arrives (fast-check's -0 becomes 0).
      .map(([path, m]): Json => JSON.parse(JSON.stringify(mutate(json, path, m)))),
  );

/** What the full decode of a packed value gives (the fast path must give the same). */
const fullDecodeOfPacked = (json: unknown): E.Either<unknown, unknown> =>
  E.chainW(unpack)(PackedStateCodec.decode(json));

describe('state codec', () => {
  test.prop([stateArb], RUNS)('a stored state decodes back to the same state', (state) => {
    const text = encodeState(state);
    expect(decodeState(text)).toEqual(E.right(state));
    expect(isBareState(JSON.parse(text))).toBe(false);
    // Rows written before states were packed still read.
    expect(decodeState(JSON.stringify(state))).toEqual(E.right(state));
  });

  test.prop([stateArb], RUNS)('packing loses nothing and is canonical', (state) => {
    const packed = pack(state);
    expect(unpack(packed)).toEqual(E.right(state));
    expect(encodeState(state)).toBe(canonicalJson(packed));
    expect(encodeState(state).length).toBeLessThanOrEqual(JSON.stringify(state).length + 20);
  });

  test.prop([plainJsonArb], RUNS)('a plain state is bare and decodes to itself', (json) => {
    expect(isBareState(json)).toBe(true);
    expect(decodeState(JSON.stringify(json))).toEqual(E.right(json));
  });

  test.prop([mutatedOf(plainJsonArb)], { numRuns: 1000 })(
    'the fast path takes a plain value exactly when decoding gives it back unchanged',
    (json) => {
      const decoded = DocumentStateCodec.decode(json);
      const unchanged =
        E.isRight(decoded) && JSON.stringify(decoded.right) === JSON.stringify(json);
      expect(isBareState(json)).toBe(unchanged);
      const viaText = decodeState(JSON.stringify(json));
      if (E.isRight(decoded)) expect(viaText).toEqual(E.right(decoded.right));
      else expect(E.isLeft(viaText)).toBe(true);
    },
  );

  test.prop([mutatedOf(packedJsonArb)], { numRuns: 1000 })(
    'a damaged packed state reads as its full decode does: the same state, or an error',
    (json) => {
      const expected = fullDecodeOfPacked(json);
      const viaText = decodeState(JSON.stringify(json));
      const packedForm =
        typeof json === 'object' && json !== null && !Array.isArray(json) && 'writers' in json;
      if (!packedForm) return;
      if (E.isRight(expected)) expect(viaText).toEqual(expected);
      else expect(E.isLeft(viaText) && viaText.left.code).toBe('internal');
    },
  );

  test.prop([fc.oneof(packedJsonArb, mutatedOf(packedJsonArb))], { numRuns: 1000 })(
    "the written-out check of a packed state answers as the codec's own",
    (json) => {
      expect(isPackedState(json)).toBe(PackedStateCodec.is(json));
    },
  );

  test("the written-out check of a packed state answers as the codec's own at every edge", () => {
    const packed: Json = JSON.parse(
      JSON.stringify({
        collection: 'patients',
        created: true,
        docId: 'pat-1',
        fields: { fullName: [[0, 'Amina']], sex: [[1, 'F']] },
        records: [],
        vv: { 'tab-1': 2, 'tab-2': 1 },
        writers: [
          ['tab-1', 2, 'amina', 'health_worker', [1_700_000_000_000, 0, null, 'client', false]],
          [
            'tab-2',
            1,
            'sam',
            'supervisor',
            [1_700_000_000_001, 3, 1_700_000_000_005, 'server', true],
          ],
        ],
      }),
    );
    expect(isPackedState(packed)).toBe(true);
    const edges: Json[] = [-1, 1.5, 2 ** 53, 0, '', 'a b', 'system', 'client', null, true, [], {}];
    let compared = 0;
    for (const path of pathsOf(packed)) {
      for (const value of edges) {
        const changed = mutate(packed, path, { kind: 'replace', value });
        expect([path, isPackedState(changed)]).toEqual([path, PackedStateCodec.is(changed)]);
        compared++;
      }
      const dropped = mutate(packed, path, { kind: 'drop' });
      expect([path, isPackedState(dropped)]).toEqual([path, PackedStateCodec.is(dropped)]);
    }
    // A tuple with an element too many, and a vector keyed by what is not a device id.
    const longer = mutate(packed, ['writers', 0, 4], {
      kind: 'replace',
      value: [1, 0, null, 'client', false, 1],
    });
    expect(isPackedState(longer)).toBe(PackedStateCodec.is(longer));
    expect(isPackedState({ ...(packed as object), vv: { 'no way': 1 } })).toBe(false);
    expect(PackedStateCodec.is({ ...(packed as object), vv: { 'no way': 1 } })).toBe(false);
    expect(compared).toBeGreaterThan(300);
  });

  test('the text of a state whose field names look like indices, and whose vector is out of order, is canonical', () => {
    const writer = (seq: number, value: string | number | boolean | null) => ({
      deviceId: 'tab-1',
      seq,
      author: { userId: 'amina', role: 'health_worker' },
      hlc: { ms: 10 + seq, n: 0 },
      receivedAt: null,
      authority: 'client',
      resolution: false,
      value,
    });
    const plain = {
      collection: 'patients',
      created: true,
      docId: 'pat-\u00e9',
      maxima: {
        b: [writer(1, 'x')],
        '10': [writer(2, 1.5)],
        a: [writer(1, null), writer(3, true)],
        '2': [writer(3, 'y "quoted"')],
        é: [writer(4, false)],
      },
      records: [],
      vv: { 'tab-1': 4, 'tab-0': 2 },
    };
    const decoded = decodeState(JSON.stringify(plain));
    if (E.isLeft(decoded)) throw new Error(decoded.left.message);
    const state = decoded.right;
    expect(encodeState(state)).toBe(canonicalJson(pack(state)));
    expect(encodeState(state)).toContain('"fields":{"2":');
    expect(decodeState(encodeState(state))).toEqual(E.right(state));
  });

  test('maxima that share a dot but not their facts keep their own facts', () => {
    const base = {
      deviceId: 'tab-1',
      seq: 3,
      author: { userId: 'amina', role: 'health_worker' },
      hlc: { ms: 10, n: 0 },
      receivedAt: null,
      authority: 'client',
      resolution: false,
    };
    const plain = {
      collection: 'patients',
      created: true,
      docId: 'pat-1',
      maxima: {
        fullName: [{ ...base, value: 'Abena' }],
        sex: [{ ...base, hlc: { ms: 11, n: 0 }, value: 'F' }],
      },
      records: [],
      vv: { 'tab-1': 3 },
    };
    const decoded = decodeState(JSON.stringify(plain));
    if (E.isLeft(decoded)) throw new Error(decoded.left.message);
    const state = decoded.right;
    expect(pack(state).writers).toHaveLength(2);
    expect(decodeState(encodeState(state))).toEqual(E.right(state));
  });

  test('a writer index that names no writer is refused at its path', () => {
    const packed = {
      collection: 'patients',
      created: true,
      docId: 'pat-1',
      fields: { fullName: [[3, 'Abena']] },
      records: [],
      vv: {},
      writers: [],
    };
    const answer = decodeState(JSON.stringify(packed));
    expect(answer).toEqual(
      E.left(expect.objectContaining({ code: 'internal', path: 'state.fields.fullName.0.0' })),
    );
    const meta = stateFromSnapshotMeta({ state: packed });
    expect(meta).toEqual(
      E.left(
        expect.objectContaining({ code: 'bad_request', path: 'meta.state.fields.fullName.0.0' }),
      ),
    );
  });

  test.prop([stateArb], RUNS)(
    'a packed state materializes unpacked exactly when no field is tied, as its state does',
    (state) => {
      const tied = Object.values(state.maxima).some((maxima) => maxima.length > 1);
      expect(materializePacked(pack(state))).toEqual(tied ? undefined : materialize(state));
    },
  );

  test.prop([mutatedOf(packedJsonArb)], { numRuns: 1000 })(
    'a snapshot state is written as it came only when the full read takes it, with the same text and fields',
    (json) => {
      const meta: unknown = JSON.parse(JSON.stringify({ state: json }));
      const packed = packedStateFromSnapshotMeta(meta);
      const shown = packed === undefined ? undefined : materializePacked(packed);
      const full = stateFromSnapshotMeta(meta);
      if (packed === undefined) expect(E.isLeft(full)).toBe(true);
      if (shown === undefined) return;
      if (E.isLeft(full))
        throw new Error(`taken as it came, refused in full: ${full.left.message}`);
      expect(shown).toEqual(materialize(full.right));
      // The text a replica stores for the state read in full.
      expect(JSON.stringify(packed)).toBe(JSON.stringify(packedForm(full.right)));
    },
  );

  test('a tie, or a writer index that names no writer, is left to the full read', () => {
    const writer = ['tab-1', 3, 'amina', 'health_worker', [10, 0, null, 'client', false]];
    const packed = {
      collection: 'patients' as const,
      created: true,
      docId: 'pat-1',
      fields: { fullName: [[0, 'Abena']] as [number, string][] },
      records: [],
      vv: { 'tab-1': 3 },
      writers: [writer, ['tab-2', 1, 'kofi', 'health_worker', [10, 0, null, 'client', false]]],
    };
    const meta = { state: packed };
    const read = packedStateFromSnapshotMeta(meta);
    if (read === undefined) throw new Error('expected a packed state');
    expect(materializePacked(read)).toEqual({
      exists: true,
      data: { fullName: 'Abena' },
      deleted: false,
      disputed: [],
    });
    const tied = {
      ...packed,
      fields: {
        fullName: [
          [0, 'Abena'],
          [1, 'Abla'],
        ],
      },
    };
    const readTied = packedStateFromSnapshotMeta({ state: tied });
    expect(readTied).toBeDefined();
    expect(readTied && materializePacked(readTied)).toBeUndefined();
    const dangling = { ...packed, fields: { fullName: [[2, 'Abena']] } };
    const readDangling = packedStateFromSnapshotMeta({ state: dangling });
    expect(readDangling && materializePacked(readDangling)).toBeUndefined();
    expect(packedStateFromSnapshotMeta({ state: { ...packed, writers: 'none' } })).toBeUndefined();
    expect(packedStateFromSnapshotMeta({})).toBeUndefined();
  });

  test.prop([stateArb], RUNS)('snapshot meta carries the packed state', (state) => {
    const meta: unknown = JSON.parse(JSON.stringify(snapshotMeta(state)));
    expect(stateFromSnapshotMeta(meta)).toEqual(E.right(state));
  });

  test.prop([stateArb], RUNS)(
    'a state read back is stored and sent from the value it was read from, and reads back equal',
    (state) => {
      const read = decodeState(encodeState(state));
      if (E.isLeft(read)) throw new Error(read.left.message);
      expect(packedForm(read.right)).toEqual(pack(state));
      const again = decodeState(JSON.stringify(packedForm(read.right)));
      expect(again).toEqual(E.right(state));
      const meta: unknown = JSON.parse(JSON.stringify(snapshotMeta(read.right)));
      expect(stateFromSnapshotMeta(meta)).toEqual(E.right(state));
    },
  );

  test.prop([stateArb], RUNS)(
    'a state read from a packed value in another writer order still encodes canonically',
    (state) => {
      const packed = pack(state);
      const order = packed.writers.map((_, i) => packed.writers.length - 1 - i);
      const reordered = {
        ...packed,
        writers: order.map((i) => packed.writers[i]),
        fields: Object.fromEntries(
          Object.entries(packed.fields).map(([field, entries]) => [
            field,
            entries.map(([w, value]) => [order.indexOf(w), value]),
          ]),
        ),
      };
      const read = stateFromSnapshotMeta(JSON.parse(JSON.stringify({ state: reordered })));
      if (E.isLeft(read)) throw new Error(read.left.message);
      expect(read.right).toEqual(state);
      expect(encodeState(read.right)).toBe(encodeState(state));
      expect(decodeState(JSON.stringify(packedForm(read.right)))).toEqual(E.right(state));
    },
  );

  test('a damaged state in snapshot meta is bad_request at its path', () => {
    const answer = stateFromSnapshotMeta({ state: { collection: 'patients', docId: 7 } });
    expect(E.isLeft(answer) && answer.left.code).toBe('bad_request');
    expect(E.isLeft(stateFromSnapshotMeta('state'))).toBe(true);
  });
});
