/**
 * What the log's contract suite works with: principals of each role, reference data, and test
 * devices that number their ops and push them.
 */
import * as E from 'fp-ts/lib/Either.js';
import { SEED_DEVICE } from '../../src/domain/ids.ts';
import type { LoggedOp } from '../../src/domain/operation.ts';
import type { Principal } from '../../src/domain/principal.ts';
import { Principal as PrincipalCodec } from '../../src/domain/principal.ts';
import type {
  AppendResult,
  IncomingOp,
  OperationLog,
  OpResult,
} from '../../src/log/operation-log.ts';
import { rightOf } from '../domain/expect-either.ts';

/** A principal, decoded by the domain's own codec (so the branded ids are real ones). */
export const principal = (
  userId: string,
  role: Principal['role'],
  facilityIds: readonly string[],
): Principal => {
  const decoded = PrincipalCodec.decode({ userId, role, facilityIds });
  if (E.isLeft(decoded)) throw new Error(`not a principal: ${userId}`);
  return decoded.right;
};

/** Facilities A and B; a health worker and a supervisor of each, and the global roles. */
export const FA = 'fac-a';
export const FB = 'fac-b';
export const workerA = principal('worker-a', 'health_worker', [FA]);
export const workerA2 = principal('worker-a2', 'health_worker', [FA]);
export const workerB = principal('worker-b', 'health_worker', [FB]);
export const supervisorA = principal('super-a', 'supervisor', [FA]);
export const supervisorB = principal('super-b', 'supervisor', [FB]);
export const supervisorAB = principal('super-ab', 'supervisor', [FA, FB]);
export const admin = principal('admin-1', 'admin', []);
export const auditor = principal('auditor-1', 'auditor', []);

/** A vaccine of three doses. */
export const VACCINE = 'vac-penta';

/** A patient of `facilityId`, born in 2020. */
export const patientData = (
  facilityId: string,
  fullName = 'Amina Yusuf',
): Record<string, unknown> => ({
  fullName,
  sex: 'F',
  dateOfBirth: '2020-03-01',
  facilityId,
});

/** A first dose of the vaccine for the patient. */
export const recordData = (
  patientId: string,
  facilityId: string,
  doseNumber = 1,
): Record<string, unknown> => ({
  patientId,
  vaccineId: VACCINE,
  doseNumber,
  dateAdministered: '2020-04-01',
  facilityId,
});

/** A reminder to a user about a patient. */
export const notificationData = (userId: string, patientId: string): Record<string, unknown> => ({
  userId,
  patientId,
  type: 'dose_due',
  message: 'The second dose is due',
  read: false,
});

/** Loads the facilities and the vaccine as the server's seed device. */
export const seedReferenceData = async (log: OperationLog): Promise<AppendResult> => {
  const result = rightOf(
    await log.appendAsServer(SEED_DEVICE, { userId: 'system', role: 'system' }, [
      {
        collection: 'facilities',
        docId: FA,
        kind: 'create',
        data: { name: 'Alpha', district: 'D1', region: 'R1' },
      },
      {
        collection: 'facilities',
        docId: FB,
        kind: 'create',
        data: { name: 'Beta', district: 'D2', region: 'R1' },
      },
      {
        collection: 'vaccines',
        docId: VACCINE,
        kind: 'create',
        data: { name: 'Pentavalent', code: 'PENTA', doses: 3 },
      },
    ]),
  );
  if (!result.results.every((r) => r.status === 'accepted')) {
    throw new Error(`the seed was not accepted: ${JSON.stringify(result.results)}`);
  }
  return result;
};

/** A device of a user: it numbers its ops and pushes them. */
export class TestDevice {
  #seq = 0;

  constructor(
    readonly log: OperationLog,
    readonly principal: Principal,
    readonly deviceId: string,
  ) {}

  /** The seq of the last op made. */
  get seq(): number {
    return this.#seq;
  }

  /** The next op of this device (not pushed). */
  op(
    collection: string,
    docId: string,
    kind: string,
    data?: Record<string, unknown>,
    ctx: Readonly<Record<string, number>> = {},
    extra: Readonly<Record<string, unknown>> = {},
  ): IncomingOp {
    this.#seq += 1;
    const raw: Record<string, unknown> = {
      deviceId: this.deviceId,
      seq: this.#seq,
      hlc: { ms: Date.now(), n: this.#seq },
      collection,
      docId,
      kind,
      ctx,
      schema: 1,
      ...extra,
    };
    if (data !== undefined) raw.data = data;
    return { seq: this.#seq, raw };
  }

  /** Pushes ops; fails the test on a request-level refusal. */
  async push(...ops: IncomingOp[]): Promise<AppendResult> {
    return rightOf(
      await this.log.append({ principal: this.principal, deviceId: this.deviceId, ops }),
    );
  }

  /** Makes one op and pushes it; returns its answer. */
  async write(
    collection: string,
    docId: string,
    kind: string,
    data?: Record<string, unknown>,
    ctx: Readonly<Record<string, number>> = {},
  ): Promise<OpResult> {
    const result = await this.push(this.op(collection, docId, kind, data, ctx));
    const answer = result.results[0];
    if (answer === undefined) throw new Error('no answer for the op');
    return answer;
  }
}

/** The cursor of an accepted (or duplicate) answer; fails the test otherwise. */
export const cursorOf = (answer: OpResult | undefined): string => {
  if (answer === undefined || (answer.status !== 'accepted' && answer.status !== 'duplicate')) {
    throw new Error(`expected an accepted op, got ${JSON.stringify(answer)}`);
  }
  return answer.cursor;
};

/** Every op visible to a principal after a cursor, following `next` page by page. */
export const pullAll = async (
  log: OperationLog,
  who: Principal,
  after: string | undefined,
  limit = 1000,
): Promise<{ readonly ops: readonly LoggedOp[]; readonly next: string }> => {
  const ops: LoggedOp[] = [];
  let cursor = after;
  for (;;) {
    const page = rightOf(await log.readAfter(who, cursor, limit));
    ops.push(...page.ops);
    cursor = page.next;
    if (!page.hasMore) return { ops, next: page.next };
  }
};

/** `deviceId:seq` of each op, for comparing lists of ops. */
export const dotsOf = (
  ops: readonly { readonly deviceId: string; readonly seq: number }[],
): string[] => ops.map((o) => `${o.deviceId}:${o.seq}`);
