/**
 * Cursors and pages (DESIGN.md section 4, "Cursors"; PROTOCOL.md, GET /v1/pull): opaque, signed,
 * carrying the log's epoch; pages follow `next`.
 */
import { describe, expect, it } from 'vitest';
import { peekCursor } from '../../../src/log/cursor.ts';
import { leftOf, rightOf } from '../../domain/expect-either.ts';
import {
  admin,
  cursorOf,
  dotsOf,
  FA,
  patientData,
  pullAll,
  seedReferenceData,
  TestDevice,
  workerA,
  workerB,
} from '../log-fixtures.ts';
import { type LogFactory, withLog } from './log-fixture.ts';

/** The cursor with its payload replaced by one naming another position, its mac kept. */
const withPosition = (cursor: string, at: number, op: number): string => {
  const [head, payload, mac] = cursor.split('.');
  const fields = Buffer.from(payload ?? '', 'base64url')
    .toString('utf8')
    .split('\u001f');
  const forged = [fields[0], String(at), String(op)].join('\u001f');
  return [head, Buffer.from(forged).toString('base64url'), mac].join('.');
};

export const cursorContract = (factory: LogFactory): void => {
  describe('cursors', () => {
    it('a cursor of another epoch is refused with reset_required', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const foreign = await withLog(factory, async (other) => {
          await seedReferenceData(other.log);
          return other.log.head();
        });
        expect(leftOf(await log.readAfter(admin, foreign, 10)).code).toBe('reset_required');
        expect(leftOf(await log.hasVisibleAfter(workerA, foreign)).code).toBe('reset_required');
        expect(leftOf(await log.history(admin, 'facilities', FA, foreign)).code).toBe(
          'reset_required',
        );
      }));

    it('a tampered cursor is refused with bad_cursor', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        const cursor = cursorOf(await tablet.write('patients', 'p1', 'create', patientData(FA)));
        expect(rightOf(await log.readAfter(admin, cursor, 10)).ops).toEqual([]);

        const flipped = `${cursor.slice(0, -1)}${cursor.endsWith('A') ? 'B' : 'A'}`;
        const tampered = [
          flipped,
          withPosition(cursor, 1, 1),
          cursor.replace(/^c1\./, 'c2.'),
          `${cursor}.x`,
          'not-a-cursor',
          '',
        ];
        for (const bad of tampered) {
          expect(leftOf(await log.readAfter(admin, bad, 10)).code).toBe('bad_cursor');
        }
        expect(leftOf(await log.hasVisibleAfter(workerA, withPosition(cursor, 0, 0))).code).toBe(
          'bad_cursor',
        );
      }));

    it('a cursor beyond the head of a restored store is refused with reset_required', () =>
      withLog(factory, async ({ log, tamper }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        await tablet.write('patients', 'p1', 'create', patientData(FA));
        const head = await log.head();
        // A restore from an older backup: the last op is gone, the epoch is the same.
        expect(peekCursor(head)?.at).toBe(4);
        await tamper.dropLastOp();
        expect(leftOf(await log.readAfter(workerA, head, 10)).code).toBe('reset_required');
      }));

    it('pages follow next, and an empty page hands back its after (or the head)', () =>
      withLog(factory, async ({ log }) => {
        const start = rightOf(await log.readAfter(workerB, undefined, 10));
        expect(start).toEqual({
          ops: [],
          next: await log.head(),
          hasMore: false,
          head: await log.head(),
        });

        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        await tablet.write('patients', 'p1', 'create', patientData(FA));
        await tablet.write('patients', 'p1', 'update', { motherName: 'Halima' });

        const first = rightOf(await log.readAfter(workerA, undefined, 2));
        expect(first.ops).toHaveLength(2);
        expect(first.hasMore).toBe(true);
        expect(first.next).toBe(first.ops[1]?.cursor);
        const all = await pullAll(log, workerA, undefined, 2);
        expect(dotsOf(all.ops)).toEqual([
          'server.seed:1',
          'server.seed:2',
          'server.seed:3',
          'tablet-a1:1',
          'tablet-a1:2',
        ]);
        const end = rightOf(await log.readAfter(workerA, all.next, 5));
        expect(end).toEqual({ ops: [], next: all.next, hasMore: false, head: await log.head() });

        // Worker B sees the reference data and nothing of facility A.
        const b = await pullAll(log, workerB, undefined, 1);
        expect(dotsOf(b.ops)).toEqual(['server.seed:1', 'server.seed:2', 'server.seed:3']);
        const bEnd = rightOf(await log.readAfter(workerB, b.next, 5));
        expect(bEnd.ops).toEqual([]);
        expect(bEnd.next).toBe(b.next);
        expect(rightOf(await log.hasVisibleAfter(workerB, b.next))).toBe(false);
        expect(rightOf(await log.hasVisibleAfter(workerA, b.next))).toBe(true);
      }));

    it('a page limit outside 1 to 5000 is a bad request', () =>
      withLog(factory, async ({ log }) => {
        expect(leftOf(await log.readAfter(admin, undefined, 0)).code).toBe('bad_request');
        expect(leftOf(await log.readAfter(admin, undefined, 5001)).code).toBe('bad_request');
      }));
  });
};
