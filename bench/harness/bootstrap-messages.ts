/** The messages between the bootstrap benchmark and its client process (IPC). */
import * as t from 'io-ts';

/** The parent's only message: every op of the tail has been pushed. */
export const ParentMessage = t.type({ tailPushed: t.literal(true) });

/** The client's report once its view is complete. */
export const ClientReport = t.type({
  wallMs: t.number,
  firstCycleMs: t.number,
  cycles: t.number,
  retries: t.number,
  socketRetries: t.number,
  pulled: t.number,
  maxRssBytes: t.number,
});
export type ClientReport = t.TypeOf<typeof ClientReport>;

/** The client's word that its replica is open and its first cycle starts. */
export const ClientStarted = t.type({ started: t.literal(true) });
export type ClientStarted = t.TypeOf<typeof ClientStarted>;
