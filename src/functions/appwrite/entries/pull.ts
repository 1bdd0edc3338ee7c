/** The `pull` Appwrite function: bundled to `dist/functions/pull/index.js` (`npm run build:functions`). */
import { appwriteFunctionEntry } from '../appwrite-entries.ts';

export default appwriteFunctionEntry('pull');
