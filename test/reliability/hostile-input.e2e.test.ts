/**
 * Hostile input against the real server process (DESIGN.md section 8, "Bad input"): malformed
 * and deeply nested bodies, huge strings, prototype keys, unsafe numbers, bad seqs, unicode edge
 * cases, wrong content types and codings, forged identities, tampered cursors, replayed ops of
 * another device, role escalation through field writes, and an auditor pushing. Each gets its
 * PROTOCOL.md error (code, and path where it applies); after each test the server still answers
 * `/healthz`, and at the end `POST /v1/verify` finds the log and its projections intact.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeConflicts } from '../functions/conflict-scenario.ts';
import {
  patientCreate,
  patientUpdate,
  pushBody,
  type TestUser,
} from '../functions/sync-fixtures.ts';
import { type Client, clientOf, expectError, prop } from '../server/http-client.ts';
import {
  makeWorkspace,
  type ServerProcess,
  startServer,
  type Workspace,
} from '../server/server-process.ts';

let workspace: Workspace;
let server: ServerProcess;
let http: Client;

beforeAll(async () => {
  workspace = await makeWorkspace();
  server = await startServer({
    args: ['--db', workspace.db, '--principals', workspace.principals],
  });
  http = clientOf(server.url);
});

afterEach(async () => {
  const health = await fetch(`${server.url}/healthz`);
  expect(health.status).toBe(200);
  expect(prop(await health.json(), 'ok')).toBe(true);
});

afterAll(async () => {
  await server?.stop();
  await workspace?.remove();
});

type RawOp = Record<string, unknown>;

const encoder = new TextEncoder();

/** A POST of raw bytes to the push route as `as`, with the given headers. */
const pushRaw = (
  body: Uint8Array | string,
  headers: Readonly<Record<string, string>> = { 'content-type': 'application/json' },
  as: TestUser = 'hwNorth',
): Promise<Response> =>
  http.send('POST', '/v1/push', {
    as,
    body: typeof body === 'string' ? encoder.encode(body) : body,
    headers,
  });

/** A push of one device's ops as `as`: its status and JSON. */
const push = async (
  as: TestUser,
  deviceId: string,
  ops: readonly RawOp[],
): Promise<{ readonly status: number; readonly json: unknown }> => {
  const response = await http.post('/v1/push', { as, body: pushBody(deviceId, ops) });
  return { status: response.status, json: await response.json() };
};

/** The per-op results of a push answered 200. */
const resultsOf = (answer: { readonly status: number; readonly json: unknown }): unknown[] => {
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  const results = prop(answer.json, 'results');
  return Array.isArray(results) ? results : [];
};

/** Expects one op's result to be `rejected` with `code` (and `path`, or no path). */
const expectRejected = (result: unknown, code: string, path?: string): void => {
  expect(prop(result, 'status'), JSON.stringify(result)).toBe('rejected');
  const error = prop(result, 'error');
  expect(prop(error, 'code')).toBe(code);
  expect(prop(error, 'path')).toBe(path);
  expect(typeof prop(error, 'message')).toBe('string');
};

/** A push of a single op that must come back rejected with `code` at `path`. */
const expectOpRejected = async (
  as: TestUser,
  op: RawOp,
  code: string,
  path?: string,
): Promise<void> => {
  const deviceId = String(op.deviceId);
  const [result] = resultsOf(await push(as, deviceId, [op]));
  expectRejected(result, code, path);
};

/** A push of a single op that must be accepted; gives its cursor. */
const expectAccepted = async (as: TestUser, op: RawOp): Promise<string> => {
  const [result] = resultsOf(await push(as, String(op.deviceId), [op]));
  expect(prop(result, 'status'), JSON.stringify(result)).toBe('accepted');
  return String(prop(result, 'cursor'));
};

/** Expects the document never to have been logged: `404 not_found` even for the admin. */
const expectNeverLogged = async (collection: string, docId: string): Promise<void> => {
  await expectError(
    await http.get(`/v1/ops/${collection}/${docId}`, { as: 'admin' }),
    404,
    'not_found',
  );
};

/** Every op of one document as the admin reads it. */
const opsOf = async (collection: string, docId: string): Promise<unknown[]> => {
  const response = await http.get(`/v1/ops/${collection}/${docId}`, { as: 'admin' });
  expect(response.status).toBe(200);
  const ops = prop(await response.json(), 'ops');
  return Array.isArray(ops) ? ops : [];
};

/** The data of one document in the admin's snapshot (the server's projection). */
const projected = async (collection: string, docId: string): Promise<unknown> => {
  const json: unknown = await (await http.get('/v1/snapshot', { as: 'admin' })).json();
  const docs = prop(json, 'docs');
  const doc = (Array.isArray(docs) ? docs : []).find(
    (d) => prop(d, 'collection') === collection && prop(d, 'docId') === docId,
  );
  return prop(doc, 'data');
};

/** `depth` nested arrays, as JSON text. */
const nestedArrays = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** `depth` nested objects `{"a":{"a":...}}`, as JSON text. */
const nestedObjects = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** An op as JSON text with `value` (JSON text) spliced in as `data.fullName`. */
const opTextWithName = (deviceId: string, docId: string, value: string): string =>
  JSON.stringify(pushBody(deviceId, [patientCreate(deviceId, 1, docId, 'fac-north')])).replace(
    '"fullName":"Amina Okello"',
    `"fullName":${value}`,
  );

describe('malformed bodies', () => {
  it.each([
    ['truncated JSON', '{"deviceId": "hi-trunc", "ops": ['],
    ['an empty body', ''],
    ['a trailing comma', '{"deviceId": "hi-comma", "ops": [],}'],
    ['two JSON values', '{} {}'],
    ['a bare string', '"push"'],
    ['JSON with comments', '{"deviceId": "hi-c", /* x */ "ops": []}'],
    ['NaN', '{"deviceId": "hi-nan", "ops": NaN}'],
  ])('%s is 400 bad_request', async (_, text) => {
    await expectError(await pushRaw(text), 400, 'bad_request');
  });

  it('bytes that are not UTF-8 are 400 bad_request', async () => {
    const bytes = Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]);
    await expectError(await pushRaw(bytes), 400, 'bad_request');
  });

  it('a body of the wrong shape is 400 bad_request at the offending key', async () => {
    await expectError(await pushRaw('[]'), 400, 'bad_request');
    await expectError(await pushRaw('{"deviceId": "hi-shape"}'), 400, 'bad_request', 'ops');
    await expectError(
      await pushRaw('{"deviceId": "hi-shape", "ops": {"0": {}}}'),
      400,
      'bad_request',
      'ops',
    );
    await expectError(await pushRaw('{"deviceId": 7, "ops": []}'), 400, 'bad_request', 'deviceId');
    await expectError(
      await pushRaw('{"deviceId": "hi-shape", "ops": []}'),
      400,
      'bad_request',
      'ops',
    );
  });

  it('100,000 nested arrays as the body are 400 bad_request', async () => {
    await expectError(await pushRaw(nestedArrays(100_000)), 400, 'bad_request');
  });

  it('100,000 nested arrays as an op, in a field, in ctx or in an ignored field are 400 bad_request', async () => {
    const deviceId = 'hi-deep';
    const base = JSON.stringify(
      pushBody(deviceId, [patientCreate(deviceId, 1, 'hi-deep-p1', 'fac-north')]),
    );
    const bodies = [
      `{"deviceId": "${deviceId}", "ops": [${nestedArrays(100_000)}]}`,
      opTextWithName(deviceId, 'hi-deep-p1', nestedArrays(100_000)),
      base.replace('"ctx":{}', `"ctx":${nestedObjects(100_000)}`),
      base.replace('"ctx":{}', `"ctx":{},"extra":${nestedObjects(100_000)}`),
    ];
    for (const body of bodies) await expectError(await pushRaw(body), 400, 'bad_request');
    await expectNeverLogged('patients', 'hi-deep-p1');
    const status = await http.get(`/v1/status?deviceId=${deviceId}`, { as: 'admin' });
    await expectError(status, 404, 'not_found');
  });

  it('nesting within the limit is judged op by op: invalid in a field, ignored in an extra key', async () => {
    const deviceId = 'hi-nest';
    const first = opTextWithName(deviceId, 'hi-nest-p1', nestedArrays(50));
    const response = await pushRaw(first);
    const [rejected] = resultsOf({ status: response.status, json: await response.json() });
    expectRejected(rejected, 'invalid', 'data.fullName');
    const second = JSON.stringify(
      pushBody(deviceId, [patientCreate(deviceId, 2, 'hi-nest-p2', 'fac-north')]),
    ).replace('"ctx":{}', `"ctx":{},"extra":${nestedObjects(50)}`);
    const answer = await pushRaw(second);
    const [accepted] = resultsOf({ status: answer.status, json: await answer.json() });
    expect(prop(accepted, 'status')).toBe('accepted');
    const [logged] = await opsOf('patients', 'hi-nest-p2');
    expect(prop(logged, 'extra')).toBeUndefined();
  });

  it('a string of 3 MiB in a field is invalid at its path; 500 characters round-trip; past 4 MiB is 413', async () => {
    const deviceId = 'hi-huge';
    await expectOpRejected(
      'hwNorth',
      patientCreate(deviceId, 1, 'hi-huge-p1', 'fac-north', {
        address: 'x'.repeat(3 * 1024 * 1024),
      }),
      'invalid',
      'data.address',
    );
    await expectAccepted(
      'hwNorth',
      patientCreate(deviceId, 2, 'hi-huge-p2', 'fac-north', { address: 'x'.repeat(500) }),
    );
    expect(prop(await projected('patients', 'hi-huge-p2'), 'address')).toBe('x'.repeat(500));
    const tooBig = JSON.stringify(
      pushBody(deviceId, [
        patientCreate(deviceId, 3, 'hi-huge-p3', 'fac-north', {
          address: 'y'.repeat(5 * 1024 * 1024),
        }),
      ]),
    );
    await expectError(await pushRaw(tooBig), 413, 'too_large');
  });

  it('a gzip body that inflates past 4 MiB is 413 too_large; broken gzip is 400', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    await expectError(
      await pushRaw(bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' }),
      413,
      'too_large',
    );
    await expectError(
      await pushRaw('not gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' }),
      400,
      'bad_request',
    );
  });

  it('1001 ops are 413 too_large', async () => {
    const deviceId = 'hi-many';
    const ops = Array.from({ length: 1001 }, (_, i) =>
      patientCreate(deviceId, i + 1, `hi-many-p${i + 1}`, 'fac-north'),
    );
    const response = await http.post('/v1/push', { as: 'hwNorth', body: pushBody(deviceId, ops) });
    await expectError(response, 413, 'too_large', 'ops');
  });
});

describe('content types and codings', () => {
  it('a JSON body sent as text/plain is judged by its content alone', async () => {
    const deviceId = 'hi-text-plain';
    const body = JSON.stringify(
      pushBody(deviceId, [patientCreate(deviceId, 1, 'hi-tp-p1', 'fac-north')]),
    );
    const response = await pushRaw(body, { 'content-type': 'text/plain' });
    const [result] = resultsOf({ status: response.status, json: await response.json() });
    expect(prop(result, 'status')).toBe('accepted');
  });

  it('a form-encoded or multipart body is 400 bad_request', async () => {
    await expectError(
      await pushRaw('deviceId=hi-form&ops=1', {
        'content-type': 'application/x-www-form-urlencoded',
      }),
      400,
      'bad_request',
    );
    await expectError(
      await pushRaw('--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n', {
        'content-type': 'multipart/form-data; boundary=b',
      }),
      400,
      'bad_request',
    );
  });

  it.each(['br', 'deflate', 'compress', 'gzip, br'])(
    'a request coded %s is 415 unsupported_encoding',
    async (coding) => {
      await expectError(
        await pushRaw('{}', { 'content-type': 'application/json', 'content-encoding': coding }),
        415,
        'unsupported_encoding',
      );
    },
  );
});

describe('prototype keys', () => {
  it('__proto__ and constructor at the body root change nothing', async () => {
    const deviceId = 'hi-proto-root';
    const body = JSON.stringify(
      pushBody(deviceId, [patientCreate(deviceId, 1, 'hi-pr-p1', 'fac-north')]),
    );
    const text = body.replace(
      '{"deviceId"',
      '{"__proto__": {"deviceId": "evil", "role": "admin"}, "constructor": {"prototype": {"x": 1}}, "deviceId"',
    );
    const response = await pushRaw(text);
    const [result] = resultsOf({ status: response.status, json: await response.json() });
    expect(prop(result, 'status')).toBe('accepted');
    const [logged] = await opsOf('patients', 'hi-pr-p1');
    expect(prop(logged, 'author')).toEqual({ userId: 'hw-north', role: 'health_worker' });
  });

  it('__proto__ in an op and in data is invalid at data.__proto__', async () => {
    const deviceId = 'hi-proto-data';
    const body = JSON.stringify(
      pushBody(deviceId, [patientCreate(deviceId, 1, 'hi-pd-p1', 'fac-north')]),
    );
    const text = body
      .replace('"kind":"create"', '"kind":"create","__proto__":{"kind":"delete"}')
      .replace('"fullName"', '"__proto__":{"facilityId":"fac-south"},"fullName"');
    const response = await pushRaw(text);
    const [result] = resultsOf({ status: response.status, json: await response.json() });
    expectRejected(result, 'invalid', 'data.__proto__');
  });

  it('constructor and prototype fields in data are invalid at their path', async () => {
    await expectOpRejected(
      'hwNorth',
      patientCreate('hi-ctor-data', 1, 'hi-cd-p1', 'fac-north', { constructor: 'x' }),
      'invalid',
      'data.constructor',
    );
    await expectOpRejected(
      'hwNorth',
      patientCreate('hi-ctor-data', 2, 'hi-cd-p2', 'fac-north', { prototype: {} }),
      'invalid',
      'data.prototype',
    );
  });

  it.each(['constructor', 'hasOwnProperty', 'toString', 'valueOf'])(
    'ctx naming device %s beyond what the log has is invalid at ctx.%s',
    async (name) => {
      const deviceId = `hi-ctx-${name}`;
      await expectAccepted('hwNorth', patientCreate(deviceId, 1, `${deviceId}-p1`, 'fac-north'));
      await expectOpRejected(
        'hwNorth',
        patientUpdate(deviceId, 2, `${deviceId}-p1`, { townVillage: 'Tamale' }, { [name]: 1 }),
        'invalid',
        `ctx.${name}`,
      );
    },
  );

  it('__proto__ in ctx is invalid at ctx.__proto__', async () => {
    const deviceId = 'hi-ctx-proto';
    await expectAccepted('hwNorth', patientCreate(deviceId, 1, `${deviceId}-p1`, 'fac-north'));
    const body = JSON.stringify(
      pushBody(deviceId, [patientUpdate(deviceId, 2, `${deviceId}-p1`, { townVillage: 'T' }, {})]),
    ).replace('"ctx":{}', '"ctx":{"__proto__":{"hi-ctx-proto":5}}');
    const response = await pushRaw(body);
    const [result] = resultsOf({ status: response.status, json: await response.json() });
    expectRejected(result, 'invalid', 'ctx.__proto__');
  });

  it.each(['constructor', 'toString', 'hasOwnProperty', 'prototype'])(
    'a device and a document named %s sync like any other',
    async (name) => {
      const collectionDoc = `${name}`;
      const first = await push('hwNorth2', name, [
        patientCreate(name, 1, collectionDoc, 'fac-north'),
        patientUpdate(name, 2, collectionDoc, { townVillage: 'Tamale' }, { [name]: 1 }),
      ]);
      expect(resultsOf(first).map((r) => prop(r, 'status'))).toEqual(['accepted', 'accepted']);
      expect(prop(first.json, 'ackedSeq')).toBe(2);
      const again = await push('hwNorth2', name, [
        patientCreate(name, 1, collectionDoc, 'fac-north'),
      ]);
      expect(resultsOf(again).map((r) => prop(r, 'status'))).toEqual(['duplicate']);
      expect(await opsOf('patients', collectionDoc)).toHaveLength(2);
      const status: unknown = await (
        await http.get(`/v1/status?deviceId=${name}`, { as: 'admin' })
      ).json();
      expect(prop(status, 'ackedSeq')).toBe(2);
    },
  );

  it('__proto__ or constructor as a collection or document in a path is 404 not_found', async () => {
    for (const path of [
      '/v1/ops/patients/__proto__',
      '/v1/ops/__proto__/x',
      '/v1/ops/constructor/x',
      '/v1/history/__proto__/x',
    ]) {
      await expectError(await http.get(path, { as: 'admin' }), 404, 'not_found');
    }
  });

  it('a resolution whose data holds __proto__ or constructor is 400 bad_request there, and the conflict stays open', async () => {
    const { toResolve } = await makeConflicts(http.json, 'hi-res');
    const bodies: readonly (readonly [string, string])[] = [
      ['{"data": {"__proto__": {"fullName": "X"}}}', 'data.__proto__'],
      ['{"data": {"fullName": "X", "constructor": "Y"}}', 'data.constructor'],
    ];
    for (const [text, path] of bodies) {
      const response = await http.send('POST', `/v1/conflicts/${toResolve}/resolve`, {
        as: 'auditor',
        body: encoder.encode(text),
        headers: { 'content-type': 'application/json' },
      });
      await expectError(response, 400, 'bad_request', path);
    }
    const open: unknown = await (
      await http.get('/v1/conflicts?status=open', { as: 'auditor' })
    ).json();
    const listed = prop(open, 'conflicts');
    expect(Array.isArray(listed) && listed.map((c) => prop(c, 'id'))).toContain(toResolve);
  });
});

describe('numbers', () => {
  it.each([
    ['0', 0],
    ['-1', -1],
    ['1.5', 1.5],
    ['2^53', 2 ** 53],
    ['1e300', 1e300],
    ['a string', '1'],
    ['null', null],
  ])('seq %s is 400 bad_request at ops.0.seq', async (_, seq) => {
    const deviceId = 'hi-seq';
    const op = { ...patientCreate(deviceId, 1, 'hi-seq-p1', 'fac-north'), seq };
    const response = await http.post('/v1/push', { as: 'hwNorth', body: pushBody(deviceId, [op]) });
    await expectError(response, 400, 'bad_request', 'ops.0.seq');
  });

  it('a seq written beyond 2^53 in the JSON text is 400 bad_request at ops.0.seq', async () => {
    const deviceId = 'hi-seq-text';
    const text = JSON.stringify(
      pushBody(deviceId, [patientCreate(deviceId, 1, 'hi-st-p1', 'fac-north')]),
    ).replace('"seq":1', '"seq":9007199254740993');
    await expectError(await pushRaw(text), 400, 'bad_request', 'ops.0.seq');
  });

  it('a seq of 2^53 - 1 is a gap, not an overflow', async () => {
    const deviceId = 'hi-seq-max';
    const op = {
      ...patientCreate(deviceId, 1, 'hi-sm-p1', 'fac-north'),
      seq: Number.MAX_SAFE_INTEGER,
    };
    const [result] = resultsOf(await push('hwNorth', deviceId, [op]));
    expect(result).toEqual({ seq: Number.MAX_SAFE_INTEGER, status: 'gap', expected: 1 });
  });

  it('unsafe numbers inside an op are invalid at their path', async () => {
    const deviceId = 'hi-num';
    const base = patientCreate(deviceId, 1, 'hi-num-p1', 'fac-north');
    await expectOpRejected('hwNorth', { ...base, hlc: { ms: 2 ** 60, n: 0 } }, 'invalid', 'hlc.ms');
    await expectOpRejected(
      'hwNorth',
      { ...base, seq: 2, hlc: { ms: 1, n: -1 } },
      'invalid',
      'hlc.n',
    );
    await expectOpRejected('hwNorth', { ...base, seq: 3, schema: 1.5 }, 'invalid', 'schema');
    await expectOpRejected(
      'hwNorth',
      { ...base, seq: 4, ctx: { other: 2 ** 60 } },
      'invalid',
      'ctx.other',
    );
    await expectOpRejected('hwNorth', { ...base, seq: 5, schema: 2 ** 60 }, 'invalid', 'schema');
    await expectOpRejected(
      'hwNorth',
      { ...base, seq: 6, schema: 99 },
      'unsupported_schema',
      'schema',
    );
  });

  it('a dose number beyond the vaccine or beyond 2^53 is invalid at data.doseNumber', async () => {
    const deviceId = 'hi-dose';
    await expectAccepted('hwNorth', patientCreate(deviceId, 1, 'hi-dose-p1', 'fac-north'));
    const record = (seq: number, doseNumber: number): RawOp => ({
      deviceId,
      seq,
      hlc: { ms: Date.parse('2025-01-01T00:00:00Z') + seq, n: 0 },
      ctx: {},
      schema: 1,
      collection: 'immunization_records',
      docId: `hi-dose-r${seq}`,
      kind: 'create',
      data: {
        patientId: 'hi-dose-p1',
        vaccineId: 'vac-penta',
        doseNumber,
        dateAdministered: '2024-03-01',
        facilityId: 'fac-north',
      },
    });
    await expectOpRejected('hwNorth', record(2, 2 ** 60), 'invalid', 'data.doseNumber');
    await expectOpRejected('hwNorth', record(3, 4), 'invalid', 'data.doseNumber');
    await expectOpRejected('hwNorth', record(4, 0), 'invalid', 'data.doseNumber');
  });
});

describe('unicode', () => {
  it.each([
    ['a lone high surrogate', '"Amina \\ud800"'],
    ['a lone low surrogate', '"\\udc00 Okello"'],
    ['a NUL', '"Amina\\u0000Okello"'],
  ])('%s in a field is invalid at data.fullName', async (_, value) => {
    const deviceId = `hi-uni-${value.length}-${value.charCodeAt(8)}`;
    const response = await pushRaw(opTextWithName(deviceId, `${deviceId}-p1`, value));
    const [result] = resultsOf({ status: response.status, json: await response.json() });
    expectRejected(result, 'invalid', 'data.fullName');
  });

  it('a lone surrogate in a ctx key is invalid, not stored', async () => {
    const deviceId = 'hi-uni-ctx';
    const text = JSON.stringify(
      pushBody(deviceId, [patientCreate(deviceId, 1, 'hi-uc-p1', 'fac-north')]),
    ).replace('"ctx":{}', '"ctx":{"\\ud800":1}');
    const response = await pushRaw(text);
    const [result] = resultsOf({ status: response.status, json: await response.json() });
    expect(prop(result, 'status')).toBe('rejected');
    expect(prop(prop(result, 'error'), 'code')).toBe('invalid');
  });

  it('right-to-left text, combining marks, emoji and astral characters round-trip exactly', async () => {
    const deviceId = 'hi-uni-ok';
    const name = 'أمينة \u202Eolleko\u202C 👩🏾‍⚕️ 𝔄 e\u0301 \uFEFF';
    await expectAccepted(
      'hwNorth',
      patientCreate(deviceId, 1, 'hi-uo-p1', 'fac-north', {
        fullName: name,
        address: '\u200F\u061C',
      }),
    );
    const [logged] = await opsOf('patients', 'hi-uo-p1');
    expect(prop(prop(logged, 'data'), 'fullName')).toBe(name);
    expect(prop(await projected('patients', 'hi-uo-p1'), 'fullName')).toBe(name);
  });

  it('a device or document id outside the row-id rules is refused', async () => {
    const op = patientCreate('hi-uni-id', 1, 'hi-ui-p1', 'fac-north');
    await expectOpRejected('hwNorth', { ...op, docId: 'pätient' }, 'invalid', 'docId');
    const badDevice = await http.post('/v1/push', {
      as: 'hwNorth',
      body: pushBody('tablet\u0000', [{ ...op, deviceId: 'tablet\u0000' }]),
    });
    await expectError(badDevice, 400, 'bad_request', 'deviceId');
  });
});

describe('forged identities', () => {
  it('an author or userId in the body changes nothing: the author comes from the token', async () => {
    const deviceId = 'hi-forge';
    const body = {
      deviceId,
      userId: 'admin',
      role: 'admin',
      author: { userId: 'admin', role: 'admin' },
      ops: [
        {
          ...patientCreate(deviceId, 1, 'hi-forge-p1', 'fac-north'),
          author: { userId: 'admin', role: 'admin' },
          userId: 'admin',
          role: 'admin',
          receivedAt: '2020-01-01T00:00:00.000Z',
          cursor: 'forged',
          scope: ['*'],
        },
      ],
    };
    const response = await http.post('/v1/push', { as: 'hwNorth', body });
    const [result] = resultsOf({ status: response.status, json: await response.json() });
    expect(prop(result, 'status')).toBe('accepted');
    const [logged] = await opsOf('patients', 'hi-forge-p1');
    expect(prop(logged, 'author')).toEqual({ userId: 'hw-north', role: 'health_worker' });
    expect(prop(logged, 'scope')).toEqual(['fac-north']);
    expect(prop(logged, 'receivedAt')).not.toBe('2020-01-01T00:00:00.000Z');
    expect(prop(logged, 'cursor')).not.toBe('forged');
    expect(prop(logged, 'userId')).toBeUndefined();
    const south = await http.get('/v1/ops/patients/hi-forge-p1', { as: 'hwSouth' });
    await expectError(south, 404, 'not_found');
  });

  it('a forged admin author does not let a health worker write a server-only field', async () => {
    const deviceId = 'hi-forge-so';
    await expectAccepted('hwNorth', patientCreate(deviceId, 1, 'hi-fso-p1', 'fac-north'));
    await expectOpRejected(
      'hwNorth',
      {
        ...patientUpdate(
          deviceId,
          2,
          'hi-fso-p1',
          { healthWorkerId: 'hw-north' },
          { [deviceId]: 1 },
        ),
        author: { userId: 'admin', role: 'admin' },
      },
      'forbidden',
      'data.healthWorkerId',
    );
  });

  it('no token, an unknown token, or a malformed header is 401 unauthenticated', async () => {
    const body = encoder.encode('{}');
    for (const authorization of [
      undefined,
      'Bearer nope-nope-nope-nope',
      'Basic YWRtaW4=',
      'Bearer ',
    ]) {
      const response = await http.send('POST', '/v1/push', {
        body,
        headers: authorization === undefined ? {} : { authorization },
      });
      await expectError(response, 401, 'unauthenticated');
    }
  });

  it('a push for a reserved server device is 403 forbidden', async () => {
    for (const deviceId of ['server.resolutions', 'server.appwrite']) {
      const response = await http.post('/v1/push', {
        as: 'admin',
        body: pushBody(deviceId, [patientCreate(deviceId, 1, 'hi-res-p1', 'fac-north')]),
      });
      await expectError(response, 403, 'forbidden', 'deviceId');
    }
  });
});

describe('replayed ops of another device', () => {
  it('another user replaying a device’s ops is 403 forbidden and logs nothing', async () => {
    const deviceId = 'hi-replay';
    const ops = [
      patientCreate(deviceId, 1, 'hi-replay-p1', 'fac-north'),
      patientCreate(deviceId, 2, 'hi-replay-p2', 'fac-north'),
    ];
    resultsOf(await push('hwNorth', deviceId, ops));
    const theirs = await http.post('/v1/push', { as: 'hwNorth2', body: pushBody(deviceId, ops) });
    await expectError(theirs, 403, 'forbidden');
    const next = await http.post('/v1/push', {
      as: 'hwNorth2',
      body: pushBody(deviceId, [patientCreate(deviceId, 3, 'hi-replay-p3', 'fac-north')]),
    });
    await expectError(next, 403, 'forbidden');
    const south = await http.get(`/v1/pull?deviceId=${deviceId}`, { as: 'hwSouth' });
    await expectError(south, 403, 'forbidden');
    await expectNeverLogged('patients', 'hi-replay-p3');
  });

  it('ops of another device inside one’s own push are 400 bad_request at ops.N.deviceId', async () => {
    const mine = 'hi-replay-mine';
    const theirs = patientCreate('hi-replay', 1, 'hi-replay-p1', 'fac-north');
    const response = await http.post('/v1/push', {
      as: 'hwNorth',
      body: pushBody(mine, [patientCreate(mine, 1, 'hi-rm-p1', 'fac-north'), theirs]),
    });
    await expectError(response, 400, 'bad_request', 'ops.1.deviceId');
    await expectNeverLogged('patients', 'hi-rm-p1');
  });

  it('the owner replaying its own ops gets duplicates at the first cursors', async () => {
    const deviceId = 'hi-replay-own';
    const ops = [
      patientCreate(deviceId, 1, 'hi-ro-p1', 'fac-north'),
      patientCreate(deviceId, 2, 'hi-ro-p2', 'fac-north'),
    ];
    const first = resultsOf(await push('hwNorth', deviceId, ops));
    const again = resultsOf(await push('hwNorth', deviceId, ops));
    expect(again.map((r) => prop(r, 'status'))).toEqual(['duplicate', 'duplicate']);
    expect(again.map((r) => prop(r, 'cursor'))).toEqual(first.map((r) => prop(r, 'cursor')));
    const altered = resultsOf(
      await push('hwNorth', deviceId, [
        patientCreate(deviceId, 1, 'hi-ro-other', 'fac-north', { fullName: 'Mallory' }),
      ]),
    );
    expect(altered.map((r) => prop(r, 'status'))).toEqual(['duplicate']);
    await expectNeverLogged('patients', 'hi-ro-other');
  });

  it('seqs out of order in one push are 400 bad_request at the first bad seq', async () => {
    const deviceId = 'hi-order';
    const response = await http.post('/v1/push', {
      as: 'hwNorth',
      body: pushBody(deviceId, [
        patientCreate(deviceId, 2, 'hi-order-p2', 'fac-north'),
        patientCreate(deviceId, 1, 'hi-order-p1', 'fac-north'),
      ]),
    });
    await expectError(response, 400, 'bad_request', 'ops.1.seq');
  });
});

describe('tampered cursors', () => {
  const flip = (token: string, at: number): string => {
    const i = Math.min(Math.max(at, 0), token.length - 1);
    const c = token[i] === 'A' ? 'B' : 'A';
    return `${token.slice(0, i)}${c}${token.slice(i + 1)}`;
  };

  it('a cursor with any one character changed is 400 bad_cursor', async () => {
    const head = String(
      prop(await (await http.get('/v1/pull?limit=1', { as: 'hwNorth' })).json(), 'head'),
    );
    for (const at of [0, Math.floor(head.length / 2), head.length - 1]) {
      const tampered = encodeURIComponent(flip(head, at));
      await expectError(
        await http.get(`/v1/pull?after=${tampered}`, { as: 'hwNorth' }),
        400,
        'bad_cursor',
      );
    }
  });

  it.each([
    ['x', 'x'],
    ['0', '0'],
    ['-1', '-1'],
    ['a NUL', '%00'],
    ['__proto__', '__proto__'],
    ['two dots', 'a.b.c'],
    ['10,000 characters', 'a'.repeat(10_000)],
  ])('a cursor that was never issued (%s) is 400 bad_cursor', async (_, cursor) => {
    await expectError(
      await http.get(`/v1/pull?after=${cursor}`, { as: 'hwNorth' }),
      400,
      'bad_cursor',
    );
  });

  it('tampered tokens on the other routes are 400 bad_cursor', async () => {
    await expectError(
      await http.get('/v1/snapshot?page=forged', { as: 'hwNorth' }),
      400,
      'bad_cursor',
    );
    await expectError(
      await http.get('/v1/events?after=forged', { as: 'hwNorth' }),
      400,
      'bad_cursor',
    );
    await expectError(
      await http.get('/v1/history/patients/hi-forge-p1?asOf=forged', { as: 'auditor' }),
      400,
      'bad_cursor',
    );
  });

  it('a cursor of another server’s log is 409 reset_required', async () => {
    const other = await makeWorkspace();
    const otherServer = await startServer({
      args: ['--db', other.db, '--principals', other.principals],
    });
    try {
      const head = String(
        prop(
          await (await clientOf(otherServer.url).get('/v1/pull?limit=1', { as: 'hwNorth' })).json(),
          'head',
        ),
      );
      await expectError(
        await http.get(`/v1/pull?after=${encodeURIComponent(head)}`, { as: 'hwNorth' }),
        409,
        'reset_required',
      );
    } finally {
      await otherServer.stop();
      await other.remove();
    }
  });

  it.each(['0', '5001', '-1', '1.5', 'abc', '1e3'])(
    'pull limit %s is 400 bad_request',
    async (limit) => {
      await expectError(
        await http.get(`/v1/pull?limit=${limit}`, { as: 'hwNorth' }),
        400,
        'bad_request',
      );
    },
  );
});

describe('role escalation through field writes', () => {
  const created = async (deviceId: string): Promise<string> => {
    const docId = `${deviceId}-p1`;
    await expectAccepted('hwNorth', patientCreate(deviceId, 1, docId, 'fac-north'));
    return docId;
  };

  it('a health worker transferring a patient is forbidden at data.facilityId', async () => {
    const deviceId = 'hi-esc-transfer';
    const docId = await created(deviceId);
    await expectOpRejected(
      'hwNorth',
      patientUpdate(deviceId, 2, docId, { facilityId: 'fac-south' }, { [deviceId]: 1 }),
      'forbidden',
      'data.facilityId',
    );
    await expectOpRejected(
      'hwNorth',
      patientUpdate(deviceId, 3, docId, { facilityId: 'fac-north' }, { [deviceId]: 1 }),
      'forbidden',
      'data.facilityId',
    );
    expect(prop(await projected('patients', docId), 'facilityId')).toBe('fac-north');
  });

  it('a health worker writing healthWorkerId is forbidden at data.healthWorkerId', async () => {
    const deviceId = 'hi-esc-hw';
    const docId = await created(deviceId);
    await expectOpRejected(
      'hwNorth',
      patientUpdate(deviceId, 2, docId, { healthWorkerId: 'hw-north' }, { [deviceId]: 1 }),
      'forbidden',
      'data.healthWorkerId',
    );
    await expectOpRejected(
      'hwNorth',
      patientCreate(deviceId, 3, `${deviceId}-p3`, 'fac-north', { healthWorkerId: 'hw-north-2' }),
      'forbidden',
      'data.healthWorkerId',
    );
  });

  it('a health worker creating a patient in another facility is forbidden at data.facilityId', async () => {
    await expectOpRejected(
      'hwNorth',
      patientCreate('hi-esc-fac', 1, 'hi-esc-fac-p1', 'fac-south'),
      'forbidden',
      'data.facilityId',
    );
  });

  it('a health worker writing a patient of another facility is forbidden', async () => {
    const deviceId = 'hi-esc-other';
    const docId = await created(deviceId);
    const [result] = resultsOf(
      await push('hwSouth', 'hi-esc-south', [
        patientUpdate('hi-esc-south', 1, docId, { townVillage: 'Tamale' }, { [deviceId]: 1 }),
      ]),
    );
    expect(prop(prop(result, 'error'), 'code')).toBe('forbidden');
  });

  it('a health worker writing facilities or vaccines is forbidden at collection', async () => {
    const deviceId = 'hi-esc-ref';
    const base = { deviceId, hlc: { ms: 1, n: 0 }, ctx: {}, schema: 1 };
    await expectOpRejected(
      'hwNorth',
      {
        ...base,
        seq: 1,
        collection: 'facilities',
        docId: 'fac-evil',
        kind: 'create',
        data: { name: 'Evil', district: 'D', region: 'R' },
      },
      'forbidden',
      'collection',
    );
    await expectOpRejected(
      'hwNorth',
      {
        ...base,
        seq: 2,
        collection: 'vaccines',
        docId: 'vac-penta',
        kind: 'update',
        data: { doses: 10 },
        ctx: {},
      },
      'forbidden',
      'collection',
    );
  });

  it('a supervisor transferring a patient to a facility not theirs is forbidden', async () => {
    const deviceId = 'hi-esc-sup';
    const docId = await created(deviceId);
    const [result] = resultsOf(
      await push('supervisor', 'hi-esc-sup-tab', [
        patientUpdate('hi-esc-sup-tab', 1, docId, { facilityId: 'fac-east' }, { [deviceId]: 1 }),
      ]),
    );
    expect(prop(prop(result, 'error'), 'code')).toMatch(/^(forbidden|invalid)$/);
    expect(prop(await projected('patients', docId), 'facilityId')).toBe('fac-north');
  });

  it('after a supervisor’s transfer, the old facility’s health worker may no longer write the patient', async () => {
    const deviceId = 'hi-esc-after';
    const docId = await created(deviceId);
    const [transfer] = resultsOf(
      await push('supervisor', 'hi-esc-after-sup', [
        patientUpdate('hi-esc-after-sup', 1, docId, { facilityId: 'fac-south' }, { [deviceId]: 1 }),
      ]),
    );
    expect(prop(transfer, 'status')).toBe('accepted');
    const [late] = resultsOf(
      await push('hwNorth', deviceId, [
        patientUpdate(deviceId, 2, docId, { townVillage: 'Tamale' }, { [deviceId]: 1 }),
      ]),
    );
    expect(prop(late, 'status')).toBe('rejected');
    expect(prop(prop(late, 'error'), 'code')).toBe('forbidden');
    expect(prop(await projected('patients', docId), 'facilityId')).toBe('fac-south');
    expect(prop(await projected('patients', docId), 'townVillage')).toBeUndefined();
    const seen: unknown = await (
      await http.get(`/v1/ops/patients/${docId}`, { as: 'hwNorth' })
    ).json();
    const ops = prop(seen, 'ops');
    expect(
      (Array.isArray(ops) ? ops : []).map((op) => `${prop(op, 'deviceId')}:${prop(op, 'seq')}`),
    ).toEqual([`${deviceId}:1`, 'hi-esc-after-sup:1']);
  });

  it('an auditor pushing anything is rejected as forbidden, op by op', async () => {
    const deviceId = 'hi-auditor';
    const results = resultsOf(
      await push('auditor', deviceId, [
        patientCreate(deviceId, 1, 'hi-aud-p1', 'fac-north'),
        patientUpdate(deviceId, 2, 'hi-forge-p1', { fullName: 'Audited' }, {}),
        {
          deviceId,
          seq: 3,
          hlc: { ms: 1, n: 0 },
          ctx: {},
          schema: 1,
          collection: 'vaccines',
          docId: 'vac-aud',
          kind: 'create',
          data: { name: 'X', code: 'X', doses: 1 },
        },
      ]),
    );
    for (const result of results) expectRejected(result, 'forbidden');
    await expectNeverLogged('patients', 'hi-aud-p1');
  });
});

describe('after all of it', () => {
  it('POST /v1/verify finds the hash chains and projections intact', async () => {
    const response = await http.post('/v1/verify', { as: 'admin' });
    const json: unknown = await response.json();
    expect(prop(json, 'problems')).toEqual([]);
    expect(prop(json, 'ok')).toBe(true);
    expect(prop(prop(json, 'checked'), 'ops')).toBeGreaterThan(20);
  });

  it('the server process never exited', () => {
    expect(server.child.exitCode).toBeNull();
    expect(server.lines.filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
  });
});
