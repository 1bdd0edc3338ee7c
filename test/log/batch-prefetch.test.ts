/**
 * What an append loads before it checks ops (`batch-prefetch.ts`): a batch's documents, their
 * references and their patients' records at once, and per op only what the batch itself changed
 * (invariant 3: an op whose document is as the batch's prefetch read it loads nothing more).
 */
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import type { CollectionName } from '../../src/domain/collection.ts';
import type { DocumentView } from '../../src/domain/document-view.ts';
import { decodeOperation, type Operation } from '../../src/domain/operation.ts';
import type { DocumentRef } from '../../src/domain/scope.ts';
import { type PrefetchDocuments, prefetchBatch, prefetchOp } from '../../src/log/batch-prefetch.ts';
import { type CachedDocument, newDocument } from '../../src/log/document-cache.ts';
import { documentKey } from '../../src/log/document-scope.ts';

/** Documents in memory that note every reference and patient they are asked to load. */
class RecordingDocuments implements PrefetchDocuments {
  readonly #docs = new Map<string, CachedDocument>();
  readonly #loaded = new Set<string>();
  /** References asked for that were not loaded yet, and patients whose records were asked for. */
  readonly loads: string[] = [];
  readonly patients: string[] = [];

  set(view: DocumentView): void {
    this.#docs.set(documentKey(view.collection, view.docId), {
      ...newDocument(view.collection, view.docId),
      view,
    });
  }

  async load(refs: readonly DocumentRef[]): Promise<void> {
    for (const ref of refs) {
      const key = documentKey(ref.collection, ref.docId);
      if (this.#loaded.has(key)) continue;
      this.#loaded.add(key);
      this.loads.push(key);
    }
  }

  async loadRecordsOfPatients(patientIds: readonly string[]): Promise<void> {
    this.patients.push(...patientIds);
  }

  get(collection: CollectionName, docId: string): CachedDocument {
    if (!this.#loaded.has(documentKey(collection, docId))) throw new Error('not loaded');
    return this.#docs.get(documentKey(collection, docId)) ?? newDocument(collection, docId);
  }
}

const recordView = (patientId: string): DocumentView => ({
  collection: 'immunization_records',
  docId: 'rec-1',
  data: {
    patientId,
    vaccineId: 'vac-penta',
    doseNumber: 1,
    dateAdministered: '2024-04-01',
    facilityId: 'fac-a',
  },
  deleted: false,
  vv: { 'tab-1': 1 },
});

/** An update of the record `rec-1`. */
const recordUpdate = (seq: number, data: Record<string, unknown>): Operation => {
  const decoded = decodeOperation({
    deviceId: 'tab-1',
    seq,
    hlc: { ms: 1_700_000_000_000 + seq, n: 0 },
    collection: 'immunization_records',
    docId: 'rec-1',
    kind: 'update',
    ctx: { 'tab-1': 1 },
    schema: 1,
    data,
  });
  if (E.isLeft(decoded)) throw new Error(decoded.left.message);
  return decoded.right.op;
};

describe('batch prefetch', () => {
  it('loads a batch at once, then nothing more for an op whose document the batch left as it was', async () => {
    const docs = new RecordingDocuments();
    docs.set(recordView('pat-1'));
    const op = recordUpdate(2, { doseNumber: 2 });
    const views = await prefetchBatch(docs, [op]);
    expect(docs.loads).toEqual([
      documentKey('immunization_records', 'rec-1'),
      documentKey('patients', 'pat-1'),
      documentKey('vaccines', 'vac-penta'),
      documentKey('facilities', 'fac-a'),
    ]);
    expect(docs.patients).toEqual(['pat-1']);
    const loads = docs.loads.length;
    await prefetchOp(docs, op, views);
    expect(docs.loads.length).toBe(loads);
    expect(docs.patients).toEqual(['pat-1']);
  });

  it('loads what an op needs once an earlier op of the batch changed its document', async () => {
    const docs = new RecordingDocuments();
    docs.set(recordView('pat-1'));
    const op = recordUpdate(2, { doseNumber: 2 });
    const views = await prefetchBatch(docs, [op]);
    // An earlier op of the batch moved the record to another patient.
    docs.set(recordView('pat-2'));
    await prefetchOp(docs, op, views);
    expect(docs.loads).toContain(documentKey('patients', 'pat-2'));
    expect(docs.patients).toEqual(['pat-1', 'pat-2']);
  });

  it('reads every op off its document when there was no batch prefetch', async () => {
    const docs = new RecordingDocuments();
    docs.set(recordView('pat-1'));
    await prefetchOp(docs, recordUpdate(2, { doseNumber: 2 }));
    expect(docs.loads).toContain(documentKey('patients', 'pat-1'));
    expect(docs.patients).toEqual(['pat-1']);
  });
});
