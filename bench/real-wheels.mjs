// The row "check of every real wheel": `molecule-publish check` of every wheel downloaded from PyPI that
// this machine holds for pip (found as test/real-world/real-wheels.test.ts finds them: MOLECULE_REAL_WHEELS,
// else pip's find-links / file:// indexes; see test/helpers/real-wheels.ts), next to its floor: Debian's
// python3 opening each zip and reading its *.dist-info/METADATA, no check at all. Skipped when the
// machine has no such wheels (CI).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { measure } from './proc.mjs';

const HELPER = fileURLToPath(new URL('../test/helpers/real-wheels.ts', import.meta.url));
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

// argv: the wheels. Prints how many METADATA files it read.
const FLOOR = `
import sys, zipfile
n = 0
for path in sys.argv[1:]:
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.count("/") == 1 and name.endswith(".dist-info/METADATA"):
                zf.read(name)
                n += 1
                break
print(n)
`;

/** The corpus as the test finds it: the TypeScript helper, its types stripped (it imports only node: modules). */
export async function findCorpus() {
  const { code } = transformSync(readFileSync(HELPER, 'utf8'), { loader: 'ts', format: 'esm' });
  const helper = await import(`data:text/javascript,${encodeURIComponent(code)}`);
  return { wheels: helper.findRealWheels(), source: helper.describeRealWheelSource() };
}

const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * `runs` runs of each, alternating; a run that exits non-zero (a refused file) or times out is left
 * out of the medians and listed. Resolves { files, bytes, source, molecule, floor, ratio } or { skipped }.
 */
export async function realWheelsBench({ node, bin, env, cwd, runs, log, onSpawn }) {
  const { wheels, source } = await findCorpus();
  if (wheels.length === 0) {
    return { skipped: "no real wheels on this machine: set MOLECULE_REAL_WHEELS=DIR[:DIR...], or pip's find-links / a file:// index-url in pip.conf" };
  }
  const bytes = wheels.reduce((sum, w) => sum + statSize(w), 0);
  const tools = [
    { tool: 'molecule', cmd: node, args: [bin, 'check', ...wheels], expect: (r) => r.stdout.includes(`${wheels.length} passed, 0 failed`) },
    { tool: 'python floor', cmd: PYTHON, args: ['-c', FLOOR, ...wheels], expect: (r) => r.stdout.trim() === String(wheels.length) },
  ];
  const samples = new Map(tools.map((t) => [t.tool, []]));
  for (let i = 0; i < runs; i++) {
    for (const t of tools) {
      log(`[check of every real wheel] ${t.tool} run ${i + 1}/${runs} (${wheels.length} files) ...`);
      const r = await measure(t.cmd, t.args, { env, cwd, timeoutMs: 600_000, onSpawn });
      const problems = [];
      if (r.timedOut) problems.push('timed out after 600 s');
      if (r.code !== 0) problems.push(`exit ${r.code ?? r.signal}: ${lastLines(r)}`);
      else if (!t.expect(r)) problems.push(`unexpected output: ${lastLines(r)}`);
      const run = { ok: problems.length === 0, problems, wallMs: r.wallMs, peakRssMiB: r.peakRssKb / 1024, cpuS: r.cpuS };
      log(
        `  ${run.ok ? 'ok' : 'FAILED'} ${(r.wallMs / 1000).toFixed(2)} s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB${run.ok ? '' : `: ${problems.join('; ')}`}`,
      );
      samples.get(t.tool).push(run);
    }
  }
  const summary = (tool) => {
    const all = samples.get(tool);
    const ok = all.filter((r) => r.ok);
    return {
      runs: all.length,
      okRuns: ok.length,
      wallS: median(ok.map((r) => r.wallMs)) / 1000,
      minS: Math.min(...ok.map((r) => r.wallMs)) / 1000,
      maxS: Math.max(...ok.map((r) => r.wallMs)) / 1000,
      peakRssMiB: median(ok.map((r) => r.peakRssMiB)),
      cpuS: median(ok.map((r) => r.cpuS)),
      problems: all.flatMap((r) => r.problems),
    };
  };
  const molecule = summary('molecule');
  const floor = summary('python floor');
  return {
    files: wheels.length,
    bytes,
    source,
    python: PYTHON,
    molecule,
    floor,
    ratio: { wall: molecule.wallS / floor.wallS, peakRss: molecule.peakRssMiB / floor.peakRssMiB },
  };
}

function statSize(path) {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function lastLines(r) {
  return (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
}
