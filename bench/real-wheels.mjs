// The row "check of every real wheel": `molecule-publish check` of every wheel downloaded from PyPI that
// this machine holds for pip (found as test/real-world/real-wheels.test.ts finds them: MOLECULE_REAL_WHEELS,
// else pip's find-links / file:// indexes; see test/helpers/real-wheels.ts), next to its floor: Debian's
// python3 opening each zip and reading its *.dist-info/METADATA, no check at all. Skipped when the
// machine has no such wheels (CI).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { measure, median } from './proc.mjs';

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

/**
 * Read system calls and bytes of a running process, sampled from /proc/PID/io until it exits: the
 * last sample, so a lower bound (the reads of its last few milliseconds are not counted).
 */
function ioSampler(pid) {
  const last = { syscr: 0, rchar: 0 };
  const timer = setInterval(() => {
    try {
      const text = readFileSync(`/proc/${pid}/io`, 'utf8');
      last.syscr = Number(/^syscr:\s+(\d+)/m.exec(text)?.[1] ?? last.syscr);
      last.rchar = Number(/^rchar:\s+(\d+)/m.exec(text)?.[1] ?? last.rchar);
    } catch {
      // gone, or not ours to read
    }
  }, 10);
  return {
    stop: () => {
      clearInterval(timer);
      return last;
    },
  };
}

/**
 * `runs` runs of each, alternating; a run that exits non-zero (a refused file) or times out is left
 * out of the medians and listed. Then molecule-publish alone on the first file, the first quarter and
 * each quarter of the corpus, for peak RSS by number of files. Resolves { files, bytes, source,
 * molecule, floor, ratio, rssByCount, quarters } or { skipped }.
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
      let io;
      const r = await measure(t.cmd, t.args, {
        env,
        cwd,
        timeoutMs: 600_000,
        onSpawn: (pid) => {
          onSpawn?.(pid);
          io = ioSampler(pid);
        },
      });
      const reads = io?.stop() ?? { syscr: NaN, rchar: NaN };
      const problems = [];
      if (r.timedOut) problems.push('timed out after 600 s');
      if (r.code !== 0) problems.push(`exit ${r.code ?? r.signal}: ${lastLines(r)}`);
      else if (!t.expect(r)) problems.push(`unexpected output: ${lastLines(r)}`);
      const run = {
        ok: problems.length === 0,
        problems,
        wallMs: r.wallMs,
        peakRssMiB: r.peakRssKb / 1024,
        cpuS: r.cpuS,
        readCalls: reads.syscr,
        readMB: reads.rchar / 1e6,
      };
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
      readCalls: median(ok.map((r) => r.readCalls)),
      readMB: median(ok.map((r) => r.readMB)),
      problems: all.flatMap((r) => r.problems),
    };
  };
  const molecule = summary('molecule');
  const floor = summary('python floor');
  // Peak RSS by number of files (one run each): flat means the count does not add to it.
  const peakOf = async (files, label) => {
    log(`[check of every real wheel] molecule-publish peak RSS, ${label} (${files.length} files) ...`);
    const r = await measure(node, [bin, 'check', ...files], { env, cwd, timeoutMs: 600_000, onSpawn });
    const ok = r.code === 0 && r.stdout.includes(`${files.length} passed, 0 failed`);
    return { files: files.length, label, ok, peakRssMiB: r.peakRssKb / 1024, wallS: r.wallMs / 1000 };
  };
  const quarter = Math.max(1, Math.round(wheels.length / 4));
  const rssByCount = [
    await peakOf(wheels.slice(0, 1), 'the first file'),
    await peakOf(wheels.slice(0, quarter), 'the first quarter'),
    { files: wheels.length, label: 'all', ok: molecule.okRuns > 0, peakRssMiB: molecule.peakRssMiB, wallS: molecule.wallS },
  ];
  const quarters = [];
  for (let q = 0; q < 4; q++) quarters.push(await peakOf(wheels.slice(q * quarter, q === 3 ? wheels.length : (q + 1) * quarter), `quarter ${q + 1}`));
  return {
    rssByCount,
    quarters,
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
