// `npm run build`: the package as it ships.
//
// - build/*.js: the code and every runtime dependency bundled by esbuild, split into chunks so each
//   path loads (and compiles) only what it uses: `--version`, `--help` and `check` never load the HTTP
//   client, the logger's pretty printer or the sandbox. The package then has no dependencies to install.
// - build/types/: the declarations, by tsc, for the library's users.
// - build/THIRD-PARTY-NOTICES.md: the licence of every bundled package, taken from the package itself.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'build');

rmSync(OUT, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { cli: 'src/cli/run.ts', index: 'src/index.ts' },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  // Flat chunk names: every file sits in build/, so `../package.json` means the same from each.
  chunkNames: 'chunk-[hash]',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none', // the notices file below carries the licences
  metafile: true,
  logLevel: 'warning',
  // The bundled CommonJS packages call require() for Node's own modules.
  banner: { js: "import { createRequire as __molecule_cr } from 'node:module'; const require = __molecule_cr(import.meta.url);" },
});

// Notices: one section per bundled package (name@version, licence, the package's own licence text).
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (!m) continue;
  const dir = join(ROOT, input.slice(0, input.indexOf(m[0]) + m[0].length));
  if (!packages.has(dir)) packages.set(dir, m[1]);
}
const sections = [];
for (const [dir, name] of [...packages].sort((a, b) => a[1].localeCompare(b[1]))) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const licenseFile = readdirSync(dir).find((f) => /^(licen[sc]e|copying)([.-]|$)/i.test(f));
  if (!licenseFile) throw new Error(`${name}: bundled, but has no licence file to include`);
  const text = readFileSync(join(dir, licenseFile), 'utf8').trim();
  sections.push(`## ${name}@${pkg.version} (${pkg.license ?? 'see below'})\n\n\`\`\`\n${text}\n\`\`\``);
}
// Data taken from a Python package rather than bundled from node_modules: its licence travels with it.
const TROVE = join(ROOT, 'src', 'warehouse');
const troveVersion = /TROVE_CLASSIFIERS_VERSION = '([^']+)'/.exec(readFileSync(join(TROVE, 'trove-classifiers.ts'), 'utf8'))?.[1];
sections.push(
  `## trove-classifiers@${troveVersion} (Apache-2.0): the classifier list in src/warehouse/trove-classifiers.ts\n\n\`\`\`\n${readFileSync(join(TROVE, 'trove-classifiers.LICENSE'), 'utf8').trim()}\n\`\`\``,
);
writeFileSync(
  join(OUT, 'THIRD-PARTY-NOTICES.md'),
  `# Third-party notices\n\nmolecule-publish bundles the following packages into build/. Their licences:\n\n${sections.join('\n\n')}\n`,
);
console.error(`build: ${Object.keys(result.metafile.outputs).length} files, ${packages.size} bundled packages`);
