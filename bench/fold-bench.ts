/**
 * Fold throughput: one million ops over ten thousand documents, applied one at a time as the
 * log and the client do (state from the previous op, refold when an op is concurrent). Then one
 * document that FOLD_SHARED_DEVICES devices (default 20) edit concurrently, FOLD_SHARED_OPS ops
 * (default 1,000) applied one at a time: nearly every op is concurrent with one the state has,
 * so the document is folded again from its whole history at nearly every op.
 * Run: `npm run bench -- fold` (or `node --import tsx bench/fold-bench.ts`).
 */
import * as E from 'fp-ts/lib/Either.js';
import { DeviceId, DocId, UserId } from '../src/domain/ids.ts';
import type { AuthoredOp } from '../src/domain/operation.ts';
import {
  applyOrFold,
  type DocumentState,
  emptyState,
  fold,
} from '../src/projections/document-state.ts';
import { SeededRandom } from './data/seeded-random.ts';

const unwrap = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error('fixture does not decode');
  return r.right;
};

const DOCS = Number(process.env.FOLD_DOCS ?? 10_000);
const OPS_PER_DOC = Number(process.env.FOLD_OPS_PER_DOC ?? 100);
/** One op in this many is made by a second device that had not pulled the latest op. */
const CONCURRENT_EVERY = 20;

const devices = ['hw-tablet-1', 'hw-phone-2'].map((d) => unwrap(DeviceId.decode(d)));
const author = { userId: unwrap(UserId.decode('amina')), role: 'health_worker' as const };

const makeOps = (): AuthoredOp[][] => {
  const seqs = [0, 0];
  const docs: AuthoredOp[][] = [];
  for (let d = 0; d < DOCS; d++) {
    const docId = unwrap(DocId.decode(`pat-${d}`));
    const ops: AuthoredOp[] = [];
    let vv: Record<string, number> = {};
    for (let i = 0; i < OPS_PER_DOC; i++) {
      const concurrent = i > 0 && i % CONCURRENT_EVERY === 0;
      const who = concurrent ? 1 : 0;
      const device = devices[who] ?? devices[0];
      if (device === undefined) throw new Error('no device');
      seqs[who] = (seqs[who] ?? 0) + 1;
      const seq = seqs[who] ?? 1;
      const ctx = concurrent
        ? { [devices[0] ?? '']: Math.max(0, (vv[devices[0] ?? ''] ?? 0) - 1) }
        : vv;
      const base = {
        deviceId: device,
        seq,
        hlc: { ms: 1_700_000_000_000 + d * 1000 + i, n: 0 },
        collection: 'patients' as const,
        docId,
        ctx,
        schema: 1,
        author,
        receivedAt: 1_700_000_000_000 + d * 1000 + i,
        cursor: `c${d}-${i}`,
      };
      ops.push(
        i === 0
          ? {
              ...base,
              kind: 'create',
              data: {
                fullName: `Patient ${d}`,
                sex: 'F',
                dateOfBirth: '2023-01-05',
                facilityId: 'fac-1',
              },
            }
          : {
              ...base,
              kind: 'update',
              data: { townVillage: `Village ${i % 7}`, contactPhone: `+233 ${i}` },
            },
      );
      vv = { ...vv, [device]: seq };
    }
    docs.push(ops);
  }
  return docs;
};

const main = (): void => {
  const docs = makeOps();
  const total = DOCS * OPS_PER_DOC;
  const states = new Map<string, DocumentState>();
  const started = process.hrtime.bigint();
  for (let i = 0; i < OPS_PER_DOC; i++) {
    for (let d = 0; d < DOCS; d++) {
      const ops = docs[d];
      const op = ops?.[i];
      if (ops === undefined || op === undefined) continue;
      const state = states.get(op.docId) ?? emptyState('patients', op.docId);
      states.set(
        op.docId,
        applyOrFold(state, op, () => ops.slice(0, i)),
      );
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = Math.round(total / seconds);
  console.log('fold benchmark (applyOrFold, interleaved across documents)');
  console.table([
    {
      documents: DOCS,
      ops: total,
      'concurrent ops': `1 in ${CONCURRENT_EVERY}`,
      seconds: seconds.toFixed(2),
      'ops/s': rate.toLocaleString('en-US'),
    },
  ]);
  sharedDocument();
};

const SHARED_DEVICES = Number(process.env.FOLD_SHARED_DEVICES ?? 20);
const SHARED_OPS = Number(process.env.FOLD_SHARED_OPS ?? 1000);
const SHARED_FIELDS = ['fullName', 'townVillage', 'contactPhone', 'motherName', 'sex'];

/**
 * The ops of one patient that many devices edit: each op by a device picked at random, which
 * pulled every op logged so far before it with probability 0.3, writing one or two fields.
 */
const sharedOps = (): AuthoredOp[] => {
  const random = new SeededRandom(2026);
  const ids = Array.from({ length: SHARED_DEVICES }, (_, i) =>
    unwrap(DeviceId.decode(`shared-tablet-${i}`)),
  );
  const docId = unwrap(DocId.decode('pat-shared'));
  const seqs = new Map<string, number>();
  const known = new Map<string, Record<string, number>>();
  let logged: Record<string, number> = {};
  const ops: AuthoredOp[] = [];
  for (let i = 0; i < SHARED_OPS; i++) {
    const device = random.pick(ids);
    if (random.chance(0.3)) known.set(device, { ...logged });
    const seq = (seqs.get(device) ?? 0) + 1;
    seqs.set(device, seq);
    const { [device]: _own, ...ctx } = known.get(device) ?? {};
    const at = 1_700_000_000_000 + i * 1000;
    const base = { deviceId: device, seq, hlc: { ms: at, n: 0 }, collection: 'patients' as const };
    const stamp = { docId, ctx, schema: 1, author, receivedAt: at, cursor: `s${i}` };
    if (i === 0) {
      ops.push({
        ...base,
        ...stamp,
        kind: 'create',
        data: { fullName: 'Shared', sex: 'F', dateOfBirth: '2023-01-05', facilityId: 'fac-1' },
      });
    } else {
      const data: Record<string, string> = { [random.pick(SHARED_FIELDS)]: `v${i}` };
      if (random.chance(0.3)) data[random.pick(SHARED_FIELDS)] = `w${i}`;
      ops.push({ ...base, ...stamp, kind: 'update', data });
    }
    logged = { ...logged, [device]: seq };
    known.set(device, { ...(known.get(device) ?? {}), [device]: seq });
  }
  return ops;
};

const sharedDocument = (): void => {
  const ops = sharedOps();
  let state = emptyState('patients', unwrap(DocId.decode('pat-shared')));
  let refolds = 0;
  const started = process.hrtime.bigint();
  for (const [i, op] of ops.entries()) {
    state = applyOrFold(state, op, () => {
      refolds++;
      return ops.slice(0, i);
    });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const once = process.hrtime.bigint();
  fold('patients', state.docId, ops);
  const foldMs = Number(process.hrtime.bigint() - once) / 1e6;
  console.log('fold benchmark: one document many devices edit (applyOrFold, op by op)');
  console.table([
    {
      devices: SHARED_DEVICES,
      ops: ops.length,
      refolds,
      'conflict records': state.records.length,
      seconds: seconds.toFixed(2),
      'one fold of the whole history (ms)': foldMs.toFixed(1),
    },
  ]);
};

main();
