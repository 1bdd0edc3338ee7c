/** The `snapshot` Appwrite function: bundled to `dist/functions/snapshot/index.js` (`npm run build:functions`). */
import { appwriteFunctionEntry } from '../appwrite-entries.ts';

export default appwriteFunctionEntry('snapshot');
