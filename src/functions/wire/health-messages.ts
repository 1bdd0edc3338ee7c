/** `GET /healthz` (PROTOCOL.md): `{"ok": true, "head": CURSOR}`, without credentials. */
import * as t from 'io-ts';

/** The health answer. */
export const HealthResponse = t.type({ ok: t.literal(true), head: t.string }, 'HealthResponse');
export type HealthResponse = t.TypeOf<typeof HealthResponse>;

/** The health answer at `head`. */
export const encodeHealthResponse = (head: string): HealthResponse => ({ ok: true, head });
