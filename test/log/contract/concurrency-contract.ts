/**
 * Commit order under concurrent appends (DESIGN.md section 4, "Cursors"): with several server
 * instances appending to one store, a reader never skips an op. Registered for backends that
 * serve several instances (the fixture's `openInstance`).
 */
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/domain/principal.ts';
import { peekCursor } from '../../../src/log/cursor.ts';
import type { LogOptions } from '../../../src/log/log-options.ts';
import type { OperationLog } from '../../../src/log/operation-log.ts';
import { rightOf } from '../../domain/expect-either.ts';
import {
  admin,
  cursorOf,
  FA,
  patientData,
  seedReferenceData,
  TestDevice,
  workerA,
} from '../log-fixtures.ts';
import { type LogFactory, type LogFixture, withLog } from './log-fixture.ts';

const APPENDERS = 8;
/** Batches each appender pushes, of 1, 2, 3, 4, 1, ... new patients: 30 ops each. */
const BATCHES = 12;
const batchSize = (batch: number): number => 1 + (batch % 4);
const OPS_PER_APPENDER = Array.from({ length: BATCHES }, (_, b) => batchSize(b)).reduce(
  (a, b) => a + b,
  0,
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads everything visible to `who` until `done()` and a last page say there is no more. */
const pollingReader = async (
  log: OperationLog,
  who: Principal,
  done: () => boolean,
): Promise<{
  readonly positions: readonly number[];
  readonly dots: readonly string[];
  readonly skips: number;
}> => {
  const positions: number[] = [];
  const dots: string[] = [];
  let skips = 0;
  let after: string | undefined;
  for (;;) {
    const finished = done();
    const page = rightOf(await log.readAfter(who, after, 500));
    for (const op of page.ops) {
      const position = peekCursor(op.cursor)?.op ?? 0;
      if (position <= (positions.at(-1) ?? 0)) skips += 1;
      positions.push(position);
      dots.push(`${op.deviceId}:${op.seq}`);
    }
    after = page.next;
    if (finished && !page.hasMore) return { positions, dots, skips };
    if (page.ops.length === 0) await sleep(5);
  }
};

/** Each instance pushes `BATCHES` small batches of new patients from its own device. */
const appender = async (log: OperationLog, index: number): Promise<readonly string[]> => {
  const device = new TestDevice(log, workerA, `tablet-c${index}`);
  const accepted: string[] = [];
  let n = 0;
  for (let batch = 0; batch < BATCHES; batch++) {
    const ops = Array.from({ length: batchSize(batch) }, () => {
      n += 1;
      return device.op('patients', `c${index}-${n}`, 'create', patientData(FA));
    });
    const result = await device.push(...ops);
    for (const answer of result.results) accepted.push(`tablet-c${index}:${answer.seq}`);
    cursorOf(result.results[0]);
  }
  return accepted;
};

/** Eight more instances append while two readers poll the first one. */
const concurrentAppends = async (log: OperationLog, openInstance: () => Promise<OperationLog>) => {
  await seedReferenceData(log);
  const instances = await Promise.all(Array.from({ length: APPENDERS }, () => openInstance()));
  try {
    let finished = false;
    const readers = Promise.all([
      pollingReader(log, admin, () => finished),
      pollingReader(log, workerA, () => finished),
    ]);
    // Awaited below; a reader that fails early must not count as an unhandled rejection first.
    readers.catch(() => undefined);
    const appenders = await Promise.allSettled(instances.map((log, i) => appender(log, i)));
    finished = true;
    // The readers stop before anything is closed, whatever became of the appenders.
    const read = await readers;
    const appended = appenders.flatMap((a) => {
      if (a.status === 'rejected') throw a.reason;
      return a.value;
    });
    return { appended, readers: read };
  } finally {
    await Promise.all(instances.map((log) => log.close()));
  }
};

/** The fixture's way to open more instances; the backend was declared to have one. */
const instancesOf = (fixture: LogFixture): ((options?: LogOptions) => Promise<OperationLog>) => {
  if (fixture.openInstance === undefined)
    throw new Error('the fixture cannot open another instance');
  return fixture.openInstance;
};

/** Registered for backends that serve several instances on one store. */
export const concurrencyContract = (factory: LogFactory): void => {
  describe('concurrent instances', () => {
    it(
      'eight instances appending at once never make a reader skip an op',
      () =>
        withLog(factory, async (fixture) => {
          const { appended, readers } = await concurrentAppends(fixture.log, instancesOf(fixture));
          expect(appended).toHaveLength(APPENDERS * OPS_PER_APPENDER);
          for (const reader of readers) {
            expect(reader.skips).toBe(0);
            const mine = reader.dots.filter((d) => d.startsWith('tablet-c'));
            expect(new Set(mine).size).toBe(mine.length);
            expect([...mine].sort()).toEqual([...appended].sort());
          }
          expect((await fixture.log.verify()).ok).toBe(true);
        }),
      60_000,
    );

    it('a commit on one instance is announced to the listeners of another', () =>
      withLog(factory, async (fixture) => {
        const other = await instancesOf(fixture)();
        try {
          const heard = new Promise<string>((resolve) => {
            const stop = fixture.log.onCommit((head) => {
              stop();
              resolve(head);
            });
          });
          await seedReferenceData(other);
          const head = await Promise.race([heard, sleep(5000).then(() => 'nothing within 5 s')]);
          expect(head).toBe(await other.head());
        } finally {
          await other.close();
        }
      }));
  });
};
