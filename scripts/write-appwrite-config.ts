/** Writes `appwrite.config.json` from the code (`npm run appwrite:config`). */
import { writeFile } from 'node:fs/promises';
import { appwriteConfigText } from '../src/functions/appwrite/appwrite-config.ts';

await writeFile(new URL('../appwrite.config.json', import.meta.url), appwriteConfigText());
console.log('wrote appwrite.config.json');
