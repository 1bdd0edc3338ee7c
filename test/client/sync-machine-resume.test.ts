import { describe, expect, it } from 'vitest';
import {
  advance,
  MAX_RESETS,
  nextCommand,
  type SyncFailure,
  startCycle,
} from '../../src/client/sync-machine.ts';

const http = (status: number, code: string): SyncFailure => ({
  kind: 'transport',
  error: { kind: 'http', status, code, message: code },
});

describe('the sync machine with a bootstrap cut short', () => {
  it('goes on from the stored page after pushing', () => {
    let cycle = startCycle(false, 'p3');
    cycle = advance(cycle, { kind: 'nothing_to_push' });
    expect(nextCommand(cycle)).toEqual({ kind: 'snapshot', page: 'p3' });
    cycle = advance(cycle, { kind: 'snapshot_page', nextPage: null });
    expect(nextCommand(cycle)).toEqual({ kind: 'pull' });
  });

  it('ignores a stored page once the replica holds a cursor', () => {
    const cycle = advance(startCycle(true, 'p3'), { kind: 'nothing_to_push' });
    expect(nextCommand(cycle)).toEqual({ kind: 'pull' });
  });

  it.each([
    ['bad_cursor', http(400, 'bad_cursor')],
    ['reset_required', http(409, 'reset_required')],
  ])('starts over from the first page when the stored page is answered %s', (_name, failure) => {
    let cycle = advance(startCycle(false, 'p3'), { kind: 'nothing_to_push' });
    cycle = advance(cycle, { kind: 'failed', failure });
    expect(nextCommand(cycle)).toEqual({ kind: 'snapshot', page: null });
    cycle = advance(cycle, { kind: 'snapshot_page', nextPage: 'p2' });
    expect(nextCommand(cycle)).toEqual({ kind: 'snapshot', page: 'p2' });
  });

  it('starts over when a page is of another snapshot, at most MAX_RESETS times', () => {
    let cycle = advance(startCycle(false, 'p3'), { kind: 'nothing_to_push' });
    for (let i = 0; i < MAX_RESETS; i++) {
      cycle = advance(cycle, { kind: 'snapshot_moved' });
      expect(nextCommand(cycle)).toEqual({ kind: 'snapshot', page: null });
    }
    cycle = advance(cycle, { kind: 'snapshot_moved' });
    expect(nextCommand(cycle).kind).toBe('fail');
  });

  it('a bad_cursor on a first page ends the cycle', () => {
    let cycle = advance(startCycle(false), { kind: 'nothing_to_push' });
    cycle = advance(cycle, { kind: 'failed', failure: http(400, 'bad_cursor') });
    expect(nextCommand(cycle)).toEqual({ kind: 'fail', failure: http(400, 'bad_cursor') });
  });
});
