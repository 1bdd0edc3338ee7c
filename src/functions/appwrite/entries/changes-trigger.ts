/** The `changes-trigger` Appwrite function: bundled to `dist/functions/changes-trigger/index.js`. */
import { openAppwriteHost } from '../appwrite-host.ts';
import { changesTriggerEntry } from '../changes-trigger-entry.ts';

export default changesTriggerEntry(openAppwriteHost);
