/**
 * Bundling one Appwrite function with esbuild: a self-contained CommonJS `index.js` (Node 22)
 * whose default export the open-runtimes runtime calls (APPWRITE.md section 1), beside a
 * `package.json` that says CommonJS, so a deployment needs no `npm install`.
 */
import { rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The project's root folder. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Bundles the function `name` into `outdir` (emptied first); returns the bundle's size. */
export const bundleFunction = async (name: string, outdir: string): Promise<number> => {
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: [`${PROJECT_ROOT}src/functions/appwrite/entries/${name}.ts`],
    outfile: `${outdir}/index.js`,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    sourcemap: 'linked',
    legalComments: 'none',
    // pg's optional native binding is never used: the pure JavaScript client is.
    external: ['pg-native'],
    metafile: true,
    logLevel: 'warning',
  });
  // The bundle is CommonJS whatever the folders around it say (this project is an ES module).
  await writeFile(`${outdir}/package.json`, `${JSON.stringify({ type: 'commonjs' })}\n`);
  return Object.entries(result.metafile.outputs)
    .filter(([path]) => path.endsWith('index.js'))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
};
