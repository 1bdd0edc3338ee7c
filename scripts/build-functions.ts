/**
 * `npm run build:functions [name...]`: bundles each Appwrite function (all of them by default)
 * to `dist/functions/<name>/index.js`, the `path` that `appwrite.config.json` gives it.
 */
import { bundleDirectory } from '../src/functions/appwrite/appwrite-config.ts';
import { FUNCTION_NAMES } from '../src/functions/appwrite/appwrite-functions.ts';
import { bundleFunction, PROJECT_ROOT } from './function-bundle.ts';

const only = process.argv.slice(2);
const unknown = only.filter((name) => !FUNCTION_NAMES.includes(name));
if (unknown.length > 0) throw new Error(`no function named ${unknown.join(', ')}`);
const names = only.length === 0 ? FUNCTION_NAMES : only;

for (const name of names) {
  const bytes = await bundleFunction(name, `${PROJECT_ROOT}${bundleDirectory(name)}`);
  console.log(`${bundleDirectory(name)}/index.js ${(bytes / 1024).toFixed(0)} KiB`);
}
