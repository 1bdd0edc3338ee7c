/** The `status` Appwrite function: bundled to `dist/functions/status/index.js` (`npm run build:functions`). */
import { appwriteFunctionEntry } from '../appwrite-entries.ts';

export default appwriteFunctionEntry('status');
