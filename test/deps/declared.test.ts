/**
 * Every package that src/ imports is declared in package.json's `dependencies`. An undeclared one only works
 * while some other package happens to pull it into node_modules (hoisting), and breaks a production install
 * (`npm ci --omit=dev`) or a version bump without warning.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');

const walk = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((d) =>
      d.isDirectory()
        ? walk(path.join(dir, d.name))
        : /\.(ts|tsx|mts|cts)$/.test(d.name)
          ? [path.join(dir, d.name)]
          : [],
    );

/**
 * Module specifiers: `loaded` by static imports, re-exports, side-effect imports and require(), which every
 * run needs; `onDemand` by dynamic import(), which only the path that calls it needs.
 */
export function specifiers(source: string): { loaded: string[]; onDemand: string[] } {
  const all = (patterns: RegExp[]) => patterns.flatMap((re) => [...source.matchAll(re)].map((m) => m[1]!));
  return {
    loaded: all([
      /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
      /\bimport\s*['"]([^'"]+)['"]/g,
      /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    ]),
    onDemand: all([/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g]),
  };
}

/** 'pino/file' -> 'pino', '@temporalio/proto/lib' -> '@temporalio/proto'; undefined for relative paths and built-ins. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return undefined;
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

describe('dependencies', () => {
  test('the import scanner finds every form of import (so the check below can fail)', () => {
    const { loaded, onDemand } = specifiers(
      [
        "import { a } from 'pkg-a';",
        "import type { B } from '@scope/pkg-b/sub';",
        'import * as c from "pkg-c";',
        "import 'pkg-d';",
        "export { e } from 'pkg-e';",
        "const f = require('pkg-f');",
        "const g = await import('pkg-g');",
        "import {\n  h,\n  type H,\n} from 'pkg-h';",
        "import x from './relative';",
        "import fs from 'node:fs';",
        "import path from 'path';",
      ].join('\n'),
    );
    expect(loaded.map(packageOf).filter(Boolean).sort()).toEqual(
      ['@scope/pkg-b', 'pkg-a', 'pkg-c', 'pkg-d', 'pkg-e', 'pkg-f', 'pkg-h'].sort(),
    );
    expect(onDemand.map(packageOf)).toEqual(['pkg-g']);
  });

  test('every package imported by src/ is declared in package.json dependencies', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const runtime = new Set(Object.keys(pkg.dependencies ?? {}));
    // A dynamic import() may name a dev dependency: src/dev/temporal.ts loads @temporalio/testing only as a
    // last resort of the local tooling, on a machine that ran `npm ci`.
    const dev = new Set([...runtime, ...Object.keys(pkg.devDependencies ?? {})]);
    const undeclared = new Set<string>();
    const files = walk(SRC);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const { loaded, onDemand } = specifiers(fs.readFileSync(file, 'utf8'));
      const check = (specs: string[], declared: Set<string>) => {
        for (const name of specs.map(packageOf)) {
          if (name && !declared.has(name)) undeclared.add(`${name} (${path.relative(ROOT, file)})`);
        }
      };
      check(loaded, runtime);
      check(onDemand, dev);
    }
    expect([...undeclared].sort()).toEqual([]);
  });
});
