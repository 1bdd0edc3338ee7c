/** The `history` Appwrite function: bundled to `dist/functions/history/index.js` (`npm run build:functions`). */
import { appwriteFunctionEntry } from '../appwrite-entries.ts';

export default appwriteFunctionEntry('history');
