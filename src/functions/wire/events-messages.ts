/**
 * `GET /v1/events?after=CURSOR&deviceId=ID` (PROTOCOL.md): server-sent events. A poke is
 * `event: poke` with `data: {"head": CURSOR}`; a heartbeat is a comment line.
 */
import * as t from 'io-ts';
import { DeviceId } from '../../domain/ids.ts';

/** The events' query parameters. */
export const EventsQuery = t.exact(
  t.partial({ after: t.string, deviceId: DeviceId }),
  'EventsQuery',
);

/** The data of a poke. */
export const PokeData = t.type({ head: t.string }, 'PokeData');
export type PokeData = t.TypeOf<typeof PokeData>;

/** The text of one poke event. */
export const pokeEvent = (head: string): string =>
  `event: poke\ndata: ${JSON.stringify({ head } satisfies PokeData)}\n\n`;

/** The text of a heartbeat: a comment, which event-stream clients ignore. */
export const heartbeatComment = (): string => ': heartbeat\n\n';
