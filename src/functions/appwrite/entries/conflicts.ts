/** The `conflicts` Appwrite function: bundled to `dist/functions/conflicts/index.js` (`npm run build:functions`). */
import { appwriteFunctionEntry } from '../appwrite-entries.ts';

export default appwriteFunctionEntry('conflicts');
