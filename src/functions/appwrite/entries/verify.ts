/** The `verify` Appwrite function: bundled to `dist/functions/verify/index.js` (`npm run build:functions`). */
import { appwriteFunctionEntry } from '../appwrite-entries.ts';

export default appwriteFunctionEntry('verify');
