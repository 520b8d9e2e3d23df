/**
 * The shape of src/, checked: no import circles (type-only imports included), no upward imports
 * (a lower layer never imports a higher one), and the sandbox registries never import client code
 * (a double that shares the client's code agrees with it by construction) except src/warehouse/,
 * which imports nothing outside itself.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const SRC = join(ROOT, 'src');

/** Lowest first. A module may import its own layer's modules and lower layers' only. */
const LAYERS: ReadonlyArray<readonly string[]> = [
  ['util', 'errors.ts', 'version.ts', 'log.ts'],
  ['warehouse'],
  ['sandbox'],
  ['artifacts'],
  ['http'],
  ['targets'],
  ['outcome'],
  ['upload', 'report'],
  ['config'],
  ['prepare.ts'],
  ['publish.ts', 'check.ts', 'status.ts'],
  ['rehearse'],
  ['index.ts'],
  ['cli'],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The unit a file belongs to: its top folder under src/, or the file's name for files at the root. */
function unitOf(file: string): string {
  return relative(SRC, file).split('/')[0] ?? '';
}

function rankOf(unit: string): number {
  const rank = LAYERS.findIndex((layer) => layer.includes(unit));
  if (rank === -1) throw new Error(`src/${unit} is in no layer of test/architecture.test.ts: add it where it belongs`);
  return rank;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*'(\.[^']+)'/g), ...text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g)].map(
    (m) => m[1] ?? '',
  );
  return specs.map((spec) => normalize(join(dirname(file), spec.replace(/\.js$/, '.ts'))));
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('src/ layering', () => {
  it('every import resolves to a file in src/', () => {
    const missing = [...graph].flatMap(([file, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${relative(SRC, file)} → ${relative(SRC, d)}`));
    expect(missing).toEqual([]);
  });

  it('no module imports a higher layer, and layers side by side do not import each other', () => {
    const upward: string[] = [];
    for (const [file, deps] of graph) {
      const from = unitOf(file);
      for (const dep of deps) {
        const to = unitOf(dep);
        if (to === from) continue;
        if (rankOf(to) >= rankOf(from)) upward.push(`${relative(SRC, file)} → ${relative(SRC, dep)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('the sandbox registries import nothing from the client', () => {
    // src/warehouse/ is not the client: it holds Warehouse's own rules (each cited), shared by the client's
    // predictions and the PyPI double. That they agree is then by construction; the independent check is the
    // real-files corpus.
    const shared = new Set(['sandbox', 'warehouse']);
    const leaks = [...graph]
      .filter(([file]) => unitOf(file) === 'sandbox')
      .flatMap(([file, deps]) => deps.filter((d) => !shared.has(unitOf(d))).map((d) => `${relative(SRC, file)} → ${relative(SRC, d)}`));
    expect(leaks).toEqual([]);
  });

  it('src/warehouse/ imports nothing outside itself (no package, no Node module either)', () => {
    const leaks = [...graph]
      .filter(([file]) => unitOf(file) === 'warehouse')
      .flatMap(([file, deps]) => deps.filter((d) => unitOf(d) !== 'warehouse').map((d) => `${relative(SRC, file)} → ${relative(SRC, d)}`));
    const bare = files
      .filter((file) => unitOf(file) === 'warehouse')
      .flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*'([^.'][^']*)'|import\(\s*'([^.'][^']*)'\s*\)/g)].map(
          (m) => `${relative(SRC, file)} → ${m[1] ?? m[2]}`,
        ),
      );
    expect([...leaks, ...bare]).toEqual([]);
  });

  it('has no import circles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'open');
      stack.push(file);
      for (const dep of graph.get(file) ?? []) {
        if (state.get(dep) === 'open') cycles.push([...stack.slice(stack.indexOf(dep)), dep].map((f) => relative(SRC, f)).join(' → '));
        else if (!state.has(dep) && graph.has(dep)) visit(dep);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
