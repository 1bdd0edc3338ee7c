/** The `push` Appwrite function: bundled to `dist/functions/push/index.js` (`npm run build:functions`). */
import { appwriteFunctionEntry } from '../appwrite-entries.ts';

export default appwriteFunctionEntry('push');
