/**
 * The operation log's contract suite (DESIGN.md section 8, "Log"): the same scenarios against
 * every backend. A backend's test file calls `runLogContract` with a factory that opens a fresh,
 * empty log for each test.
 */
import { describe } from 'vitest';
import { appendContract } from './contract/append-contract.ts';
import { auditContract } from './contract/audit-contract.ts';
import { concurrencyContract } from './contract/concurrency-contract.ts';
import { conflictContract } from './contract/conflict-contract.ts';
import { cursorContract } from './contract/cursor-contract.ts';
import { deviceContract } from './contract/device-contract.ts';
import type { LogFactory } from './contract/log-fixture.ts';
import { scopeContract } from './contract/scope-contract.ts';

/** What a backend can do beyond the common contract. */
export interface BackendTraits {
  /** Several server instances may serve one store (the fixture has `openInstance`). */
  readonly severalInstances: boolean;
}

/** Runs the whole contract against one backend. */
export const runLogContract = (name: string, factory: LogFactory, traits: BackendTraits): void => {
  describe(`the operation log on ${name}`, () => {
    appendContract(factory);
    cursorContract(factory);
    scopeContract(factory);
    deviceContract(factory);
    conflictContract(factory);
    auditContract(factory);
    if (traits.severalInstances) concurrencyContract(factory);
  });
};

export type { LogFactory, LogFixture } from './contract/log-fixture.ts';
