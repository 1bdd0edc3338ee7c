/**
 * A fresh SQLite store whose log holds a whole data set (built in process, as `LogBuilder`
 * builds it), and the principals file of the data set's facilities beside it: what a benchmark
 * needs to start the real server on a data set. The caller removes the store (`fresh.remove`).
 */
import { join } from 'node:path';
import { type DatasetConfig, facilitiesOf } from '../data/immunization-dataset.ts';
import { writePrincipals } from './bench-principals.ts';
import { type FreshStore, freshStore } from './bench-stores.ts';
import { LogBuilder } from './build-log.ts';
import { openLog } from './open-log.ts';

/** The store, its principals file, and how many documents its log holds. */
export interface DatasetStore {
  readonly fresh: FreshStore;
  readonly principals: string;
  readonly documents: number;
}

/** Builds the whole data set into a fresh SQLite store (removed again if building fails). */
export const datasetStore = async (config: DatasetConfig): Promise<DatasetStore> => {
  const fresh = await freshStore('sqlite');
  try {
    const principals = join(fresh.dir, 'principals.json');
    await writePrincipals(principals, facilitiesOf(config));
    const builder = new LogBuilder(config);
    const log = await openLog(fresh.store);
    try {
      await builder.seed(log);
      await builder.next(log, Number.POSITIVE_INFINITY);
    } finally {
      await log.close();
    }
    return { fresh, principals, documents: builder.size };
  } catch (error) {
    await fresh.remove();
    throw error;
  }
};
