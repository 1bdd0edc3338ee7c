/**
 * The ops one health worker's tablet pushes in the push benchmarks: the first `count` ops of the
 * first facility's tablet (a patient, then its doses, and so on), from a data set of two
 * facilities large enough to hold them.
 */
import {
  type DatasetConfig,
  datasetOf,
  deviceOps,
  type FacilityPlan,
  facilitiesOf,
  type RawOp,
} from '../data/immunization-dataset.ts';

export interface TabletOps {
  readonly ops: readonly RawOp[];
  readonly config: DatasetConfig;
  readonly facility: FacilityPlan;
}

export const tabletOps = (count: number): TabletOps => {
  const config = { ...datasetOf(count), facilities: 2 };
  const facility = facilitiesOf(config)[0];
  if (facility === undefined) throw new Error('no facility');
  const ops: RawOp[] = [];
  for (const op of deviceOps(config, facility)) {
    if (ops.length === count) break;
    ops.push(op);
  }
  return { ops, config, facility };
};
