import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MAX_PUSH_BATCH } from '../../src/client/outbox-batch.ts';
import {
  advance,
  MAX_RESETS,
  nextCommand,
  type SyncCommand,
  type SyncCycle,
  type SyncEvent,
  type SyncFailure,
  startCycle,
} from '../../src/client/sync-machine.ts';

const RUNS = { numRuns: 300 };

const http = (status: number, code: string): SyncFailure => ({
  kind: 'transport',
  error: { kind: 'http', status, code, message: code },
});
const RESET = http(409, 'reset_required');
const NETWORK: SyncFailure = { kind: 'transport', error: { kind: 'network', message: 'down' } };

const failureArb: fc.Arbitrary<SyncFailure> = fc.oneof(
  fc.constant(NETWORK),
  fc.constant(RESET),
  fc.constantFrom(
    http(400, 'bad_request'),
    http(401, 'unauthenticated'),
    http(403, 'forbidden'),
    http(404, 'not_found'),
    http(409, 'stale'),
    http(413, 'too_large'),
    http(500, 'internal'),
    http(503, 'unavailable'),
  ),
  fc.nat({ max: 9 }).map((seq): SyncFailure => ({ kind: 'lost_ops', seq: seq + 1 })),
);

const eventArb: fc.Arbitrary<SyncEvent> = fc.oneof(
  fc.record({
    kind: fc.constant('pushed' as const),
    resendFrom: fc.option(fc.integer({ min: 1, max: 50 }), { nil: null }),
    more: fc.boolean(),
  }),
  fc.constant({ kind: 'nothing_to_push' as const }),
  fc.record({
    kind: fc.constant('snapshot_page' as const),
    nextPage: fc.option(fc.constantFrom('p2', 'p3'), { nil: null }),
  }),
  fc.record({ kind: fc.constant('pulled' as const), hasMore: fc.boolean() }),
  failureArb.map((failure): SyncEvent => ({ kind: 'failed', failure })),
);

/** The commands a cycle gives while fed `events`, with the event that followed each. */
const run = (
  bootstrapped: boolean,
  events: readonly SyncEvent[],
): {
  readonly steps: { command: SyncCommand; event: SyncEvent | null }[];
  readonly last: SyncCycle;
} => {
  let cycle = startCycle(bootstrapped);
  const steps: { command: SyncCommand; event: SyncEvent | null }[] = [];
  for (const event of events) {
    steps.push({ command: nextCommand(cycle), event });
    cycle = advance(cycle, event);
  }
  steps.push({ command: nextCommand(cycle), event: null });
  return { steps, last: cycle };
};

const statusOf = (failure: SyncFailure): number | null =>
  failure.kind === 'transport' && failure.error.kind === 'http' ? failure.error.status : null;
const codeOf = (failure: SyncFailure): string | null =>
  failure.kind === 'transport' && failure.error.kind === 'http' ? failure.error.code : null;
const isClientError = (failure: SyncFailure): boolean => {
  const status = statusOf(failure);
  return status !== null && status >= 400 && status < 500;
};

describe('the sync machine', () => {
  it('a bootstrapped replica pushes, then pulls to the head, then finishes', () => {
    let cycle = startCycle(true);
    expect(nextCommand(cycle)).toEqual({
      kind: 'push',
      from: { kind: 'unanswered' },
      limit: MAX_PUSH_BATCH,
    });
    cycle = advance(cycle, { kind: 'pushed', resendFrom: null, more: true });
    expect(nextCommand(cycle).kind).toBe('push');
    cycle = advance(cycle, { kind: 'pushed', resendFrom: null, more: false });
    expect(nextCommand(cycle)).toEqual({ kind: 'pull' });
    cycle = advance(cycle, { kind: 'pulled', hasMore: true });
    expect(nextCommand(cycle)).toEqual({ kind: 'pull' });
    cycle = advance(cycle, { kind: 'pulled', hasMore: false });
    expect(nextCommand(cycle)).toEqual({ kind: 'finish' });
  });

  it('a new replica pushes what it has, then bootstraps page by page before it pulls', () => {
    let cycle = startCycle(false);
    cycle = advance(cycle, { kind: 'nothing_to_push' });
    expect(nextCommand(cycle)).toEqual({ kind: 'snapshot', page: null });
    cycle = advance(cycle, { kind: 'snapshot_page', nextPage: 'p2' });
    expect(nextCommand(cycle)).toEqual({ kind: 'snapshot', page: 'p2' });
    cycle = advance(cycle, { kind: 'snapshot_page', nextPage: null });
    expect(nextCommand(cycle)).toEqual({ kind: 'pull' });
  });

  it('a gap makes the next push start at the seq the server expects', () => {
    const cycle = advance(startCycle(true), { kind: 'pushed', resendFrom: 7, more: true });
    expect(nextCommand(cycle)).toEqual({
      kind: 'push',
      from: { kind: 'seq', seq: 7 },
      limit: MAX_PUSH_BATCH,
    });
  });

  it('reset_required re-bootstraps, probes with the last op, then pushes and pulls again', () => {
    let cycle = advance(startCycle(true), { kind: 'nothing_to_push' });
    cycle = advance(cycle, { kind: 'failed', failure: RESET });
    expect(nextCommand(cycle)).toEqual({ kind: 'snapshot', page: null });
    cycle = advance(cycle, { kind: 'snapshot_page', nextPage: null });
    expect(nextCommand(cycle)).toEqual({
      kind: 'push',
      from: { kind: 'last' },
      limit: MAX_PUSH_BATCH,
    });
    cycle = advance(cycle, { kind: 'pushed', resendFrom: null, more: false });
    expect(nextCommand(cycle)).toEqual({ kind: 'pull' });
  });

  it('too_large halves the batch down to one op, then gives up', () => {
    let cycle = startCycle(true);
    const limits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const command = nextCommand(cycle);
      if (command.kind !== 'push') break;
      limits.push(command.limit);
      cycle = advance(cycle, { kind: 'failed', failure: http(413, 'too_large') });
    }
    expect(limits).toEqual([500, 250, 125, 62, 31, 15, 7, 3, 1]);
    expect(nextCommand(cycle)).toEqual({ kind: 'fail', failure: http(413, 'too_large') });
  });

  it('a network failure ends the cycle: retrying is the caller’s decision', () => {
    const cycle = advance(startCycle(true), { kind: 'failed', failure: NETWORK });
    expect(nextCommand(cycle)).toEqual({ kind: 'fail', failure: NETWORK });
  });

  test.prop([fc.boolean(), fc.array(eventArb, { maxLength: 40 })], RUNS)(
    'no push command asks for more than 500 ops or fewer than one',
    (bootstrapped, events) => {
      for (const { command } of run(bootstrapped, events).steps) {
        if (command.kind !== 'push') continue;
        expect(command.limit).toBeGreaterThanOrEqual(1);
        expect(command.limit).toBeLessThanOrEqual(MAX_PUSH_BATCH);
      }
    },
  );

  test.prop([fc.boolean(), fc.array(eventArb, { maxLength: 40 })], RUNS)(
    'after a gap answer the next command resends from exactly the expected seq, or gives up',
    (bootstrapped, events) => {
      const { steps } = run(bootstrapped, events);
      for (const [i, { command, event }] of steps.entries()) {
        if (command.kind !== 'push' || event?.kind !== 'pushed' || event.resendFrom === null) {
          continue;
        }
        const next = steps[i + 1]?.command;
        expect(next).toBeDefined();
        if (next?.kind === 'push') {
          expect(next.from).toEqual({ kind: 'seq', seq: event.resendFrom });
        } else {
          expect(next?.kind).toBe('fail');
        }
      }
    },
  );

  test.prop([fc.boolean(), fc.array(eventArb, { maxLength: 40 })], RUNS)(
    'a 4xx other than reset_required and too_large ends the cycle at once',
    (bootstrapped, events) => {
      const { steps } = run(bootstrapped, events);
      for (const [i, { command, event }] of steps.entries()) {
        if (event?.kind !== 'failed' || command.kind === 'finish' || command.kind === 'fail') {
          continue;
        }
        const { failure } = event;
        const exempt =
          statusOf(failure) === 409
            ? codeOf(failure) === 'reset_required'
            : statusOf(failure) === 413 && command.kind === 'push';
        if (!isClientError(failure) || exempt) continue;
        expect(steps[i + 1]?.command).toEqual({ kind: 'fail', failure });
      }
    },
  );

  test.prop([fc.boolean(), fc.array(eventArb, { maxLength: 60 })], RUNS)(
    'a cycle finishes only right after a last pull page, and re-bootstraps at most MAX_RESETS times',
    (bootstrapped, events) => {
      const { steps, last } = run(bootstrapped, events);
      for (const [i, { command }] of steps.entries()) {
        if (command.kind !== 'finish') continue;
        const before = steps[i - 1];
        if (before?.command.kind === 'finish') continue;
        expect(before?.command.kind).toBe('pull');
        expect(before?.event).toEqual({ kind: 'pulled', hasMore: false });
      }
      expect(last.resets).toBeLessThanOrEqual(MAX_RESETS);
    },
  );

  test.prop(
    [fc.boolean(), fc.array(eventArb, { maxLength: 40 }), fc.array(eventArb, { maxLength: 5 })],
    RUNS,
  )(
    'a finished or failed cycle stays as it is whatever it is told',
    (bootstrapped, events, more) => {
      const { last } = run(bootstrapped, events);
      const command = nextCommand(last);
      if (command.kind !== 'finish' && command.kind !== 'fail') return;
      let cycle = last;
      for (const event of more) cycle = advance(cycle, event);
      expect(nextCommand(cycle)).toEqual(command);
    },
  );
});
