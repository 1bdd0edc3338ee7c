/**
 * The facilities of the users a function has authenticated, for the log's `userFacilities`
 * option (where a notification without a patient is visible: its recipient's facilities). The
 * standalone server knows every user from its principals file; a function learns them from the
 * `users` rows it reads, so a recipient it has not seen yet counts as having no facility.
 */
import type { Principal } from '../../domain/principal.ts';

/** Users' facilities, as last authenticated. */
export class FacilityMemory {
  readonly #byUser = new Map<string, readonly string[]>();

  /** Records a principal's facilities. */
  readonly remember = (principal: Principal): void => {
    this.#byUser.set(principal.userId, principal.facilityIds);
  };

  /** A user's facilities (none if never seen). */
  readonly of = (userId: string): readonly string[] => this.#byUser.get(userId) ?? [];
}
