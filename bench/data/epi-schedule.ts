/**
 * The routine infant schedule of the WHO Expanded Programme on Immunization, as the reference
 * vaccines of the server (`src/functions/reference-data.ts`) name it: each dose and the age in
 * days at which it is due, in the order a child receives them.
 */

/** One scheduled dose. */
export interface ScheduledDose {
  readonly vaccineId: string;
  readonly doseNumber: number;
  /** Age at which the dose is due, in days. */
  readonly ageDays: number;
}

/** Birth, 6, 10 and 14 weeks, 9 and 15-18 months. */
export const EPI_SCHEDULE: readonly ScheduledDose[] = [
  { vaccineId: 'vac-bcg', doseNumber: 1, ageDays: 0 },
  { vaccineId: 'vac-opv', doseNumber: 1, ageDays: 0 },
  { vaccineId: 'vac-opv', doseNumber: 2, ageDays: 42 },
  { vaccineId: 'vac-penta', doseNumber: 1, ageDays: 42 },
  { vaccineId: 'vac-pcv', doseNumber: 1, ageDays: 42 },
  { vaccineId: 'vac-rota', doseNumber: 1, ageDays: 42 },
  { vaccineId: 'vac-opv', doseNumber: 3, ageDays: 70 },
  { vaccineId: 'vac-penta', doseNumber: 2, ageDays: 70 },
  { vaccineId: 'vac-pcv', doseNumber: 2, ageDays: 70 },
  { vaccineId: 'vac-rota', doseNumber: 2, ageDays: 70 },
  { vaccineId: 'vac-opv', doseNumber: 4, ageDays: 98 },
  { vaccineId: 'vac-penta', doseNumber: 3, ageDays: 98 },
  { vaccineId: 'vac-pcv', doseNumber: 3, ageDays: 98 },
  { vaccineId: 'vac-ipv', doseNumber: 1, ageDays: 98 },
  { vaccineId: 'vac-mr', doseNumber: 1, ageDays: 270 },
  { vaccineId: 'vac-yf', doseNumber: 1, ageDays: 270 },
  { vaccineId: 'vac-ipv', doseNumber: 2, ageDays: 270 },
  { vaccineId: 'vac-mr', doseNumber: 2, ageDays: 540 },
];
