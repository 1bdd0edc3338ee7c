/**
 * The reference data the server loads at start (as ops of `server.seed`): the demo facilities
 * and the vaccines of the WHO Expanded Programme on Immunization, with their number of doses
 * and the minimum interval between doses.
 */
import type { CollectionName } from '../domain/collection.ts';

/** One document of reference data. */
export interface ReferenceDoc {
  readonly collection: CollectionName;
  readonly docId: string;
  readonly data: Readonly<Record<string, string | number | null>>;
}

/** The demo facilities; the demo principals work in them. */
export const DEMO_FACILITIES: readonly ReferenceDoc[] = [
  {
    collection: 'facilities',
    docId: 'fac-north',
    data: {
      name: 'Northside Health Centre',
      district: 'Kamuli',
      region: 'Eastern',
      type: 'health_centre',
    },
  },
  {
    collection: 'facilities',
    docId: 'fac-south',
    data: {
      name: 'Southgate Dispensary',
      district: 'Kamuli',
      region: 'Eastern',
      type: 'dispensary',
    },
  },
  {
    collection: 'facilities',
    docId: 'fac-west',
    data: {
      name: 'Westbank District Hospital',
      district: 'Hoima',
      region: 'Western',
      type: 'hospital',
    },
  },
];

const vaccine = (
  docId: string,
  name: string,
  code: string,
  doses: number,
  minIntervalDays: number | null,
): ReferenceDoc => ({
  collection: 'vaccines',
  docId,
  data: { name, code, doses, minIntervalDays },
});

/**
 * The EPI schedule's vaccines. OPV counts the birth dose; IPV's two doses are at least four
 * months apart; single-dose vaccines have no interval.
 */
export const EPI_VACCINES: readonly ReferenceDoc[] = [
  vaccine('vac-bcg', 'BCG', 'BCG', 1, null),
  vaccine('vac-opv', 'OPV (oral polio)', 'OPV', 4, 28),
  vaccine('vac-penta', 'Penta (DTP-HepB-Hib)', 'PENTA', 3, 28),
  vaccine('vac-pcv', 'PCV (pneumococcal conjugate)', 'PCV', 3, 28),
  vaccine('vac-rota', 'Rota (rotavirus)', 'ROTA', 2, 28),
  vaccine('vac-ipv', 'IPV (inactivated polio)', 'IPV', 2, 120),
  vaccine('vac-mr', 'MR (measles-rubella)', 'MR', 2, 28),
  vaccine('vac-yf', 'YF (yellow fever)', 'YF', 1, null),
];

/** Everything loaded at start, facilities first. */
export const REFERENCE_DATA: readonly ReferenceDoc[] = [...DEMO_FACILITIES, ...EPI_VACCINES];
