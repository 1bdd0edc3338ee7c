/**
 * The layering of DESIGN.md section 1, checked on the sources: every import under src/ points
 * down, and the pure layers (domain, projections) import no I/O.
 *
 *   domain <- projections <- log <- adapters <- functions <- cli
 *   client uses domain, projections, log and adapters; nothing but the client imports the client,
 *   nothing but the cli imports the cli.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

const LAYERS = ['domain', 'projections', 'log', 'adapters', 'functions', 'client', 'cli'] as const;
type Layer = (typeof LAYERS)[number];

const isLayer = (name: string): name is Layer => LAYERS.some((layer) => layer === name);

/** The layers each layer may import (its own included). */
const ALLOWED: Readonly<Record<Layer, readonly Layer[]>> = {
  domain: ['domain'],
  projections: ['domain', 'projections'],
  log: ['domain', 'projections', 'log'],
  adapters: ['domain', 'projections', 'log', 'adapters'],
  functions: ['domain', 'projections', 'log', 'adapters', 'functions'],
  client: ['domain', 'projections', 'log', 'adapters', 'client'],
  cli: ['domain', 'projections', 'log', 'adapters', 'functions', 'cli'],
};

/** Packages that do I/O, which the pure layers may not import. */
const IO_PACKAGES = ['better-sqlite3', 'pg', 'kysely', 'node-appwrite'];
const PURE: readonly Layer[] = ['domain', 'projections'];

interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly reason: string;
}

/** Blanks out comments, keeping line breaks, so that a commented-out import is not an import. */
const stripComments = (source: string): string =>
  source
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' '))
    .replace(/^(\s*)\/\/.*$/gm, '$1');

/** Every module specifier a source imports: static, re-exported, side-effect and dynamic. */
const importSpecifiers = (source: string): string[] => {
  const code = stripComments(source);
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^;'"`]*?\bfrom\s*(['"])([^'"\n]+)\1/g,
    /^\s*import\s*(['"])([^'"\n]+)\1/gm,
    /\bimport\s*\(\s*(['"`])([^'"`\n]+)\1\s*\)/g,
    /\brequire\s*\(\s*(['"`])([^'"`\n]+)\1\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[2] ?? ''));
};

/** The name of the package a bare specifier imports (`@scope/pkg/sub` is `@scope/pkg`). */
const packageOf = (specifier: string): string => {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
};

const isNodeBuiltin = (specifier: string): boolean =>
  specifier.startsWith('node:') || builtinModules.includes(packageOf(specifier));

/**
 * The violations of one source file. `file` is its path under src/ with forward slashes
 * (`domain/hlc.ts`).
 */
const violationsOf = (file: string, source: string): Violation[] => {
  const layer = file.split('/')[0] ?? '';
  if (!isLayer(layer)) {
    return [{ file, specifier: '', reason: `src/${file} is in no layer of DESIGN.md section 1` }];
  }
  const violations: Violation[] = [];
  for (const specifier of importSpecifiers(source)) {
    if (specifier.startsWith('.')) {
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      const targetLayer = target.split('/')[0] ?? '';
      if (target.startsWith('..') || !isLayer(targetLayer)) {
        violations.push({ file, specifier, reason: `${layer} imports outside the layers of src/` });
      } else if (!ALLOWED[layer].includes(targetLayer)) {
        violations.push({ file, specifier, reason: `${layer} may not import ${targetLayer}` });
      }
    } else if (PURE.includes(layer)) {
      if (isNodeBuiltin(specifier)) {
        violations.push({ file, specifier, reason: `${layer} is pure and imports no Node module` });
      } else if (IO_PACKAGES.includes(packageOf(specifier))) {
        violations.push({ file, specifier, reason: `${layer} is pure and imports no I/O package` });
      }
    }
  }
  return violations;
};

/** Every .ts file under a directory, as paths relative to it with forward slashes. */
const sourceFiles = (dir: string, prefix = ''): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(posix.join(dir, entry.name), relative);
    return entry.isFile() && entry.name.endsWith('.ts') ? [relative] : [];
  });

const show = (violations: readonly Violation[]): string[] =>
  violations.map((v) => `src/${v.file}: '${v.specifier}': ${v.reason}`);

describe('layers', () => {
  const files = sourceFiles(SRC);

  it('finds the sources to check', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files).toContain('domain/operation.ts');
  });

  it('every import under src/ follows the directions of DESIGN.md section 1', () => {
    const violations = files.flatMap((file) =>
      violationsOf(file, readFileSync(posix.join(SRC, file), 'utf8')),
    );
    expect(show(violations)).toEqual([]);
  });
});

describe('the layer checker', () => {
  it('reads static, type-only, re-exported, side-effect and dynamic imports', () => {
    const source = [
      "import * as t from 'io-ts';",
      "import type { Hlc } from './hlc.ts';",
      'import {',
      '  a,',
      '  b,',
      "} from '../log/operation-log.ts';",
      "export { x } from './x.ts';",
      "export * from './y.ts';",
      "export type { Z } from './z.ts';",
      "import './side-effect.ts';",
      "const m = await import('../adapters/sqlite.ts');",
      "const fromWord = 'from here';",
      "// import { gone } from '../cli/main.ts';",
      "/* import { gone } from '../client/replica.ts'; */",
    ].join('\n');
    expect(importSpecifiers(source).sort()).toEqual(
      [
        'io-ts',
        './hlc.ts',
        '../log/operation-log.ts',
        './x.ts',
        './y.ts',
        './z.ts',
        './side-effect.ts',
        '../adapters/sqlite.ts',
      ].sort(),
    );
  });

  it.each([
    ['domain/x.ts', "import { append } from '../log/operation-log.ts';", '../log/operation-log.ts'],
    [
      'domain/collections/x.ts',
      "import { fold } from '../../projections/fold.ts';",
      '../../projections/fold.ts',
    ],
    ['domain/x.ts', "import { readFileSync } from 'node:fs';", 'node:fs'],
    ['domain/x.ts', "import { createHash } from 'crypto';", 'crypto'],
    ['domain/x.ts', "const db = await import('better-sqlite3');", 'better-sqlite3'],
    ['projections/x.ts', "import { Kysely } from 'kysely';", 'kysely'],
    ['projections/x.ts', "import { Pool } from 'pg';", 'pg'],
    ['projections/x.ts', "import { Client } from 'node-appwrite';", 'node-appwrite'],
    [
      'projections/x.ts',
      "import { append } from '../log/operation-log.ts';",
      '../log/operation-log.ts',
    ],
    [
      'log/x.ts',
      "import { SqliteStore } from '../adapters/sqlite/store.ts';",
      '../adapters/sqlite/store.ts',
    ],
    ['adapters/x.ts', "import { push } from '../functions/push.ts';", '../functions/push.ts'],
    ['functions/x.ts', "export * from '../cli/main.ts';", '../cli/main.ts'],
    ['functions/x.ts', "import { Replica } from '../client/replica.ts';", '../client/replica.ts'],
    ['client/x.ts', "import { push } from '../functions/push.ts';", '../functions/push.ts'],
    ['client/x.ts', "import { main } from '../cli/main.ts';", '../cli/main.ts'],
    ['cli/x.ts', "import { Replica } from '../client/replica.ts';", '../client/replica.ts'],
    ['log/x.ts', "import { helper } from '../../test/helper.ts';", '../../test/helper.ts'],
  ])('flags %s importing %s', (file, source, specifier) => {
    expect(violationsOf(file, source).map((v) => v.specifier)).toEqual([specifier]);
  });

  it.each([
    ['domain/x.ts', "import * as t from 'io-ts';\nimport { pipe } from 'fp-ts/lib/function.js';"],
    ['domain/collections/x.ts', "import { text } from '../scalars.ts';"],
    ['projections/x.ts', "import { hasSeen } from '../domain/version-vector.ts';"],
    [
      'log/x.ts',
      "import { Kysely } from 'kysely';\nimport { fold } from '../projections/fold.ts';",
    ],
    [
      'adapters/x.ts',
      "import Database from 'better-sqlite3';\nimport { append } from '../log/a.ts';",
    ],
    ['functions/x.ts', "import { SqliteStore } from '../adapters/sqlite.ts';"],
    ['client/x.ts', "import { HttpTransport } from '../adapters/http.ts';"],
    [
      'cli/x.ts',
      "import { serve } from '../functions/serve.ts';\nimport { readFile } from 'node:fs';",
    ],
  ])('lets %s import what it may', (file, source) => {
    expect(violationsOf(file, source)).toEqual([]);
  });

  it('flags a file outside every layer', () => {
    expect(violationsOf('index.ts', "export * from './domain/hlc.ts';")).toHaveLength(1);
  });
});
