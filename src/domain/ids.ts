/**
 * Identifiers. Devices, documents, users and facilities are named by ids that follow Appwrite's
 * row-id rules, so every id can be a row id in TablesDB: 1 to 36 characters of
 * `[A-Za-z0-9._-]`, the first one alphanumeric. Each kind is branded so that a device id can
 * never be passed where a document id is expected.
 */
import * as t from 'io-ts';

/** Appwrite's row-id rule (APPWRITE.md, TablesDB system fields). */
export const ROW_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,35}$/;

export const isRowId = (u: unknown): u is string => typeof u === 'string' && ROW_ID_PATTERN.test(u);

interface DeviceIdBrand {
  readonly DeviceId: unique symbol;
}
interface DocIdBrand {
  readonly DocId: unique symbol;
}
interface UserIdBrand {
  readonly UserId: unique symbol;
}
interface FacilityIdBrand {
  readonly FacilityId: unique symbol;
}

const rowIdMessage =
  'an id of 1 to 36 characters of [A-Za-z0-9._-] starting with a letter or digit';

/** A device's stable id. Ids starting with `server.` are reserved for the server's own ops. */
export const DeviceId = t.brand(
  t.string,
  (s): s is t.Branded<string, DeviceIdBrand> => ROW_ID_PATTERN.test(s),
  'DeviceId',
);
export type DeviceId = t.TypeOf<typeof DeviceId>;

/** A document's id within its collection. */
export const DocId = t.brand(
  t.string,
  (s): s is t.Branded<string, DocIdBrand> => ROW_ID_PATTERN.test(s),
  'DocId',
);
export type DocId = t.TypeOf<typeof DocId>;

/** A user's id (Appwrite account id). */
export const UserId = t.brand(
  t.string,
  (s): s is t.Branded<string, UserIdBrand> => ROW_ID_PATTERN.test(s),
  'UserId',
);
export type UserId = t.TypeOf<typeof UserId>;

/** A facility's id: also the document id of its row in `facilities`. */
export const FacilityId = t.brand(
  t.string,
  (s): s is t.Branded<string, FacilityIdBrand> => ROW_ID_PATTERN.test(s),
  'FacilityId',
);
export type FacilityId = t.TypeOf<typeof FacilityId>;

export const ROW_ID_DESCRIPTION = rowIdMessage;

/** Prefix of the devices through which the server appends its own ops. */
export const SERVER_DEVICE_PREFIX = 'server.';

/** The device of auditors' resolution ops. */
export const RESOLUTIONS_DEVICE = 'server.resolutions';

/** The device of edits captured from Appwrite (console, back office). */
export const APPWRITE_DEVICE = 'server.appwrite';

/** The device of the reference data the server loads at start (facilities, vaccines). */
export const SEED_DEVICE = 'server.seed';

/** True for device ids that only the server may append ops for. */
export const isReservedDevice = (deviceId: string): boolean =>
  deviceId.startsWith(SERVER_DEVICE_PREFIX);

/** The identity of an op: its device and its seq. */
export interface Dot {
  readonly deviceId: string;
  readonly seq: number;
}

/** A stable text form of a dot, `deviceId:seq`, used as a map key and in derived ids. */
export const dotKey = (dot: Dot): string => `${dot.deviceId}:${dot.seq}`;

/** Orders dots by device id, then seq: the canonical order of dots in derived ids. */
export const compareDots = (a: Dot, b: Dot): number =>
  a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.seq - b.seq;
