// `npm run bench`: molecule-publish against a loopback sink registry, next to twine and curl.
//
//   BENCH_RUNS=3          runs per tool and set (the table shows the median)
//   BENCH_QUICK=1         skip the 1 GiB set and the 256/512 MiB points of the RSS curve
//   BENCH_COLD_RUNS=15    runs per command for the cold-start figures
//   BENCH_KEEP_INPUTS=1   keep the generated wheels (under os.tmpdir()) for the next run
//   BENCH_MOLECULE_ROOT=DIR  measure another built checkout (its bin/ and build/), e.g. a baseline
//   BENCH_MOLECULE_LABEL=...  how to name it in the output (default: its git commit)
//   BENCH_ONLY=a,b        run only these parts: uploads (the sets and the RSS curve), latency (a release
//                         and 15 files of 9 projects over a link of 0, 50 and 150 ms), hashing, install,
//                         cold, real-wheels (default: all; e.g. BENCH_ONLY=real-wheels takes a minute)
//   MOLECULE_REAL_WHEELS=DIR[:DIR...]  the real wheels of the real-wheels row (default: pip's find-links
//                         and file:// indexes, as test/real-world/real-wheels.test.ts finds them)
//
// Everything goes to 127.0.0.1. Prints a table on stdout (progress on stderr) and writes the same
// as JSON to bench/results/latest.json.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INPUT_ROOT, prepareInputs, removeInputs } from './inputs.mjs';
import { hashingBench, sha256Of } from './hashing.mjs';
import { cpuSecondsOf, killTree, measure, median } from './proc.mjs';
import { realWheelsBench } from './real-wheels.mjs';
import { latencyBench, renderLatency } from './latency.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_ROOT = process.env.BENCH_MOLECULE_ROOT ? resolve(process.env.BENCH_MOLECULE_ROOT) : ROOT;
// What is measured is a copy of bin/ and build/ taken at the start: a rebuild of the work tree during
// the run (tests, an editor's watch) cannot change the program half-way through.
const MOLECULE_ROOT = mkdtempSync(join(os.tmpdir(), 'molecule-publish-bench-build-'));
const MOLECULE_LABEL = process.env.BENCH_MOLECULE_LABEL || gitDescribe(SOURCE_ROOT);
try {
  for (const part of ['bin', 'build', 'package.json']) cpSync(join(SOURCE_ROOT, part), join(MOLECULE_ROOT, part), { recursive: true });
  symlinkSync(join(SOURCE_ROOT, 'node_modules'), join(MOLECULE_ROOT, 'node_modules'), 'dir');
} catch (err) {
  rmSync(MOLECULE_ROOT, { recursive: true, force: true });
  throw new Error(`cannot copy the built CLI from ${SOURCE_ROOT} (run npm run build first): ${err.message}`);
}
const BIN = join(MOLECULE_ROOT, 'bin', 'molecule-publish.js');
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const NODE = process.execPath;

const intEnv = (name, fallback, min = 1) => {
  const v = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(v) && v >= min ? v : fallback;
};
const RUNS = intEnv('BENCH_RUNS', 3);
const QUICK = process.env.BENCH_QUICK === '1';
const COLD_RUNS = intEnv('BENCH_COLD_RUNS', 15);
const KEEP_INPUTS = process.env.BENCH_KEEP_INPUTS === '1';
const PARTS = ['uploads', 'latency', 'hashing', 'install', 'cold', 'real-wheels'];
const ONLY = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((p) => p.trim())
  .filter(Boolean);
const wanted = (part) => ONLY.length === 0 || ONLY.includes(part);
const OWNER = 'bench';
const USER = 'bench-user';
const TOKEN = 'bench-token-not-a-secret';

const log = (m) => process.stderr.write(`${m}\n`);
/** The environment for the tools: ours, minus anything that would reach a real registry or CI file. */
function childEnv(extra) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(GITHUB_|GITEA_|MOLECULE_|TWINE_|PYPI_|RUNNER_)/.test(key) || key === 'SSL_CERT_FILE') delete env[key];
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

function gitDescribe(dir) {
  const head = spawnSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return undefined;
  const dirty = spawnSync('git', ['-C', dir, 'status', '--porcelain', '--', 'src', 'bin'], { encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? ' + uncommitted changes in src/' : ''}`;
}

function versionOf(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, env: childEnv({ PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring' }) });
  return r.status === 0 ? (r.stdout || r.stderr).trim().split('\n')[0] : undefined;
}

// ---------------------------------------------------------------------------------------------
// The sink, in its own process (its hashing does not share the bench's event loop with the sampler)

async function startSinkProcess() {
  const child = spawn(NODE, [join(ROOT, 'bench', 'sink.mjs'), '--exit-with-stdin'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the sink did not start within 10 s')), 10_000);
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line).url);
        } catch (err) {
          reject(err);
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`the sink exited (${code})`)));
  });
  const control = async (path, method = 'POST') => {
    const res = await fetch(`${url}/__sink/${path}`, { method, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`sink control ${path}: HTTP ${res.status}`);
    return res.json();
  };
  return {
    url,
    pid: child.pid,
    reset: () => control('reset'),
    configure: (delayMs) => control(`config?delayMs=${delayMs}`),
    stats: () => control('stats', 'GET'),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.stdin.end();
        child.kill('SIGTERM');
      }),
    kill: () => child.exitCode === null && child.kill('SIGKILL'),
  };
}

// ---------------------------------------------------------------------------------------------
// The tools

function toolCommands(sink, set, twineOk, curlOk) {
  const uploadUrl = `${sink.url}/api/packages/${OWNER}/pypi`;
  const tools = [
    {
      tool: 'molecule',
      cmd: NODE,
      args: [BIN, '--gitea-url', sink.url, '--gitea-owner', OWNER, '--no-pypi', set.dir],
      env: childEnv({ MOLECULE_PYPI_GITEA_PUBLISHER_USER: USER, MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: TOKEN }),
    },
  ];
  if (twineOk) {
    tools.push({
      tool: 'twine',
      cmd: 'twine',
      args: ['upload', '--disable-progress-bar', '--non-interactive', '--repository-url', uploadUrl, ...set.files],
      env: childEnv({
        PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring',
        TWINE_NON_INTERACTIVE: '1',
        TWINE_USERNAME: USER,
        TWINE_PASSWORD: TOKEN,
      }),
    });
  }
  if (curlOk && set.files.length === 1 && set.curlSha256) {
    const file = set.files[0];
    const name = basename(file).split('-')[0].replace(/_/g, '-');
    // The same form as the others, streamed from the file; `Expect:` off (twine does not send it either,
    // and curl's 100-continue round trip costs a fixed pause).
    tools.push({
      tool: 'curl',
      cmd: 'curl',
      args: [
        '-sS',
        '--fail-with-body',
        '-o',
        '/dev/null',
        '-H',
        'Expect:',
        '-u',
        `${USER}:${TOKEN}`,
        '-F',
        ':action=file_upload',
        '-F',
        'protocol_version=1',
        '-F',
        'metadata_version=2.1',
        '-F',
        `name=${name}`,
        '-F',
        'version=1.0.0',
        '-F',
        'filetype=bdist_wheel',
        '-F',
        'pyversion=py3',
        '-F',
        `sha256_digest=${set.curlSha256}`,
        '-F',
        `content=@${file};filename=${basename(file)};type=application/octet-stream`,
        uploadUrl,
      ],
      env: childEnv({}),
    });
  }
  return tools;
}

/** Where a run's time went, from the spawn/exit times and the sink's own timeline (epoch ms). */
function phases(r, stats) {
  if (stats.firstRequestAt === null || stats.firstUploadAt === null || stats.lastUploadDoneAt === null) return undefined;
  return {
    beforeFirstRequestMs: stats.firstRequestAt - r.startedAt, // start-up, reading and checking files (and hashing them, if done up front)
    indexBeforeUploadMs: stats.firstUploadAt - stats.firstRequestAt, // index look-ups before the first upload
    uploadsMs: stats.lastUploadDoneAt - stats.firstUploadAt, // first upload request -> last upload answered
    afterUploadsMs: r.endedAt - stats.lastUploadDoneAt, // verification (index read again), report, exit
  };
}

// ---------------------------------------------------------------------------------------------

let activeChild;
let sinkRef;
let inputsPrepared = false;
let cleaningUp = false;
async function cleanup() {
  if (cleaningUp) return;
  cleaningUp = true;
  if (activeChild) killTree(activeChild, 'SIGKILL');
  await sinkRef?.stop().catch(() => sinkRef?.kill());
  if (!KEEP_INPUTS && inputsPrepared) removeInputs();
  rmSync(MOLECULE_ROOT, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`\n${sig}: stopping`);
    cleanup().finally(() => process.exit(130));
  });
}

async function runOnce(sink, set, delayMs, t) {
  await sink.reset();
  await sink.configure(delayMs);
  const timeoutMs = set.bytes > 512 * 2 ** 20 ? 900_000 : 300_000;
  const load1 = os.loadavg()[0];
  const sinkCpuBefore = cpuSecondsOf(sink.pid);
  const r = await measure(t.cmd, t.args, { env: t.env, cwd: ROOT, timeoutMs, onSpawn: (pid) => (activeChild = pid) });
  activeChild = undefined;
  const stats = await sink.stats();
  const sinkCpuS = (cpuSecondsOf(sink.pid) ?? NaN) - (sinkCpuBefore ?? NaN);
  const problems = [];
  if (r.timedOut) problems.push(`timed out after ${timeoutMs / 1000} s`);
  if (r.code !== 0) problems.push(`exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  if (stats.accepted !== set.files.length) problems.push(`sink accepted ${stats.accepted} of ${set.files.length} files`);
  if (stats.digestMismatches > 0 || stats.rejected > 0) problems.push(`sink rejected ${stats.rejected} (${stats.errors.join('; ')})`);
  const run = {
    tool: t.tool,
    ok: problems.length === 0,
    problems,
    wallMs: r.wallMs,
    peakRssMiB: r.peakRssKb / 1024,
    cpuS: r.cpuS,
    phases: phases(r, stats),
    sinkCpuS,
    loadAvg1Before: load1,
    sink: {
      accepted: stats.accepted,
      bytesReceived: stats.bytesReceived,
      indexReads: stats.indexReads,
      maxUploadsInFlight: stats.maxUploadsInFlight,
      digestAfterContent: stats.digestAfterContent,
    },
  };
  return run;
}

function summarise(runs, bytes) {
  const ok = runs.filter((r) => r.ok);
  const wall = median(ok.map((r) => r.wallMs));
  const out = {
    runs: runs.length,
    okRuns: ok.length,
    wallS: wall / 1000,
    minS: Math.min(...ok.map((r) => r.wallMs)) / 1000,
    maxS: Math.max(...ok.map((r) => r.wallMs)) / 1000,
    mbPerS: bytes / 1e6 / (wall / 1000),
    peakRssMiB: median(ok.map((r) => r.peakRssMiB)),
    cpuS: median(ok.map((r) => r.cpuS)),
  };
  const ph = ok.map((r) => r.phases).filter(Boolean);
  if (ph.length) {
    out.phasesS = {};
    for (const key of Object.keys(ph[0])) out.phasesS[key.replace(/Ms$/, '')] = median(ph.map((x) => x[key])) / 1000;
  }
  out.indexReads = median(ok.map((r) => r.sink.indexReads));
  out.sinkCpuS = median(ok.map((r) => r.sinkCpuS));
  out.maxUploadsInFlight = Math.max(0, ...ok.map((r) => r.sink.maxUploadsInFlight));
  out.digestAfterContent = Math.max(0, ...ok.map((r) => r.sink.digestAfterContent));
  return out;
}

async function coldStart(twineOk, releaseFiles) {
  const cmds = [
    { name: 'node -e 0', cmd: NODE, args: ['-e', '0'] },
    { name: 'molecule-publish --version', cmd: NODE, args: [BIN, '--version'] },
  ];
  if (twineOk) cmds.push({ name: 'twine --version', cmd: 'twine', args: ['--version'] });
  // `check` of the everyday release (a wheel and an sdist): reading, metadata, validation, no network.
  cmds.push({ name: 'molecule-publish check wheel + sdist', id: 'check', cmd: NODE, args: [BIN, 'check', ...releaseFiles] });
  if (twineOk) cmds.push({ name: 'twine check wheel + sdist', cmd: 'twine', args: ['check', ...releaseFiles] });
  const times = new Map(cmds.map((c) => [c.name, []]));
  const rss = new Map(cmds.map((c) => [c.name, []]));
  for (let i = 0; i < COLD_RUNS; i++) {
    for (const c of cmds) {
      const r = await measure(c.cmd, c.args, { env: childEnv({ PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring' }), cwd: ROOT, timeoutMs: 30_000 });
      if (r.code === 0) {
        times.get(c.name).push(r.wallMs);
        rss.get(c.name).push(r.peakRssKb / 1024);
      }
    }
  }
  return cmds.map((c) => ({
    command: c.name,
    id: c.id,
    runs: times.get(c.name).length,
    medianMs: median(times.get(c.name)),
    minMs: Math.min(...times.get(c.name)),
    peakRssMiB: median(rss.get(c.name)),
  }));
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 300_000, env: childEnv({}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout;
}

function diskUsage(dir) {
  const out = spawnSync('du', ['-sk', '--apparent-size', dir], { encoding: 'utf8' });
  return out.status === 0 ? Number(out.stdout.split('\t')[0]) * 1024 : NaN;
}

/**
 * What every CI run pays before the first line: `npm install` of the packed package into an empty
 * folder, with npm's cache warm (the first install warms it and is not counted). Median of 3.
 */
async function installBench() {
  const work = mkdtempSync(join(os.tmpdir(), 'molecule-publish-bench-install-'));
  try {
    const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], MOLECULE_ROOT))[0];
    const tarball = join(work, packed.filename);
    const times = [];
    let bytes = NaN;
    let packages = NaN;
    for (let i = 0; i < 4; i++) {
      const app = join(work, `app-${i}`);
      mkdirSync(app);
      writeFileSync(join(app, 'package.json'), '{"name":"bench-app","version":"1.0.0","private":true}\n');
      const r = await measure('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: app, env: childEnv({}), timeoutMs: 300_000 });
      if (r.code !== 0) throw new Error(`npm install failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      if (i > 0) times.push(r.wallMs);
      bytes = diskUsage(join(app, 'node_modules'));
      packages = readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.')).length;
    }
    return { tarballBytes: packed.size, unpackedBytes: packed.unpackedSize, installS: median(times) / 1000, nodeModulesBytes: bytes, packages };
  } catch (err) {
    return { error: String(err.message ?? err) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Output

const pad = (s, n, right = false) => (right ? String(s).padStart(n) : String(s).padEnd(n));
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');

function table(headers, rows, rightFrom = 1) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => pad(c, widths[i], i >= rightFrom)).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The performance goals of issue 14, each as target and measured value from this one run. */
function goals(result) {
  const set = (goal) => result.sets.find((s) => s.goal === goal);
  const ratio = (goal, other) => {
    const s = set(goal);
    const mol = s?.tools.molecule;
    const ref = s?.tools[other];
    return mol?.okRuns && ref?.okRuns ? mol.wallS / ref.wallS : undefined;
  };
  const cold = (name) => result.coldStart.find((c) => c.command === name || c.id === name)?.medianMs;
  const out = [];
  const add = (goal, target, value, text, met) =>
    out.push({ goal, target, measured: value === undefined ? '—' : text, met: value === undefined ? undefined : met });
  const release = ratio('release', 'twine');
  add('wheel + sdist, instant server', '≤ 0.50× twine', release, `${f(release)}×`, release <= 0.5);
  const check = cold('check') / cold('node -e 0');
  add(
    'check wheel + sdist',
    '≤ 2.00× node -e 0',
    Number.isFinite(check) ? check : undefined,
    `${f(check)}× (${f(cold('check'), 0)} / ${f(cold('node -e 0'), 0)} ms)`,
    check <= 2,
  );
  const big = ratio('big', 'curl');
  add('1 GiB wheel', '≤ 1.25× curl', big, `${f(big)}×`, big <= 1.25);
  const bigRss = set('big')?.tools.molecule?.peakRssMiB;
  add('1 GiB wheel, peak RSS', '≤ 80 MB', bigRss, `${f((bigRss * 2 ** 20) / 1e6, 0)} MB`, (bigRss * 2 ** 20) / 1e6 <= 80);
  const curve = (result.rssCurve ?? []).filter((c) => c.ok).map((c) => c.peakRssMiB);
  const spread = curve.length >= 2 ? Math.max(...curve) - Math.min(...curve) : undefined;
  add(
    'RSS flat 100 MiB → 1 GiB',
    '≤ 10 MiB apart',
    curve.length >= 4 ? spread : undefined,
    `${f(spread, 1)} MiB apart (${curve.map((x) => f(x, 0)).join(' → ')})`,
    spread <= 10,
  );
  const projects = ratio('projects', 'twine');
  add('50 wheels of 50 projects, 100 ms', '≤ 0.20× twine', projects, `${f(projects)}×`, projects <= 0.2);
  const versions = ratio('versions', 'twine');
  add('200 wheels of 1 project, 100 ms', '≤ 0.20× twine', versions, `${f(versions)}×`, versions <= 0.2);
  const inst = result.install;
  const installOk = inst && !inst.error;
  add('install, warm cache', '≤ 1.5 s', installOk ? inst.installS : undefined, `${f(inst?.installS)} s`, inst?.installS <= 1.5);
  add(
    'install, on disk',
    '≤ 5 MB',
    installOk ? inst.nodeModulesBytes : undefined,
    `${f(inst?.nodeModulesBytes / 1e6, 1)} MB`,
    inst?.nodeModulesBytes / 1e6 <= 5,
  );
  return out;
}

function render(result) {
  const out = [];
  const m = result.machine;
  out.push(
    `molecule-publish benchmark — ${m.cores} cores (${m.cpuModel}), ${m.memGiB} GiB RAM, node ${m.node}, ${m.twine ?? 'twine: not installed'}, ${m.curl ?? 'curl: not installed'}`,
  );
  out.push(`molecule-publish from ${result.config.moleculeRoot}${result.config.moleculeCommit ? ` (${result.config.moleculeCommit})` : ''}`);
  out.push(
    `median of ${result.config.runs} run(s) per tool; sink on 127.0.0.1 (streams, sha256-checks, answers 201); MB = 10^6 bytes; RSS = whole process tree`,
  );
  if (result.config.only) out.push(`only: ${result.config.only.join(', ')} (BENCH_ONLY)`);
  if (result.sets.length) renderSets(result, out);
  if (result.latency?.length) renderLatency(result.latency, out);
  if (result.hashing.length) {
    out.push('');
    out.push('hashing in-process (MB/s):');
    out.push(
      table(
        ['hash', 'over', 'MB/s'],
        result.hashing.map((h) => [h.name, h.source, f(h.mbPerS, 0)]),
        2,
      ),
    );
  }
  if (result.coldStart.length) {
    out.push('');
    out.push(`cold start (median of ${result.config.coldRuns}):`);
    out.push(
      table(
        ['command', 'median ms', 'min ms', 'peak RSS MiB'],
        result.coldStart.map((c) => [c.command, f(c.medianMs, 0), f(c.minMs, 0), f(c.peakRssMiB, 0)]),
      ),
    );
  }
  if (result.rssCurve?.length) {
    out.push('');
    out.push('peak RSS against file size (molecule-publish, one run each; memory must not grow with the file):');
    out.push(
      table(
        ['file', 'wall s', 'peak RSS MiB'],
        result.rssCurve.map((c) => [`${f(c.bytes / 2 ** 20, 0)} MiB${c.ok ? '' : ' (FAILED)'}`, f(c.wallS), f(c.peakRssMiB, 0)]),
      ),
    );
  }
  const inst = result.install;
  if (inst) {
    out.push('');
    out.push(
      inst.error
        ? `install: FAILED (${inst.error})`
        : `install (npm install of the packed tarball into an empty folder, warm cache, median of 3): ${f(inst.installS)} s, ${inst.packages} package(s), ${f(inst.nodeModulesBytes / 1e6, 1)} MB in node_modules (tarball ${f(inst.tarballBytes / 1e6, 2)} MB)`,
    );
  }
  if (result.realWheels) renderRealWheels(result.realWheels, result.config.runs, out);
  if (!result.config.only) {
    out.push('');
    out.push("issue 14's goals (this run):");
    out.push(
      table(
        ['goal', 'target', 'measured', ''],
        goals(result).map((g) => [g.goal, g.target, g.measured, g.met === undefined ? 'not measured' : g.met ? 'met' : 'MISSED']),
        9,
      ),
    );
  }
  const failed = result.sets.flatMap((s) => s.runs.filter((r) => !r.ok).map((r) => `${s.label} / ${r.tool}: ${r.problems.join('; ')}`));
  if (failed.length) {
    out.push('');
    out.push('FAILED RUNS (left out of the medians):');
    out.push(...failed.map((l) => `  ${l}`));
  }
  out.push('');
  const la = result.loadAvg;
  out.push(
    `load average (1/5/15 min): ${la.atStart.map((x) => x.toFixed(1)).join('/')} at start, ${la.atEnd.map((x) => x.toFixed(1)).join('/')} at end, on ${result.machine.cores} cores${Math.max(la.atStart[0], la.atEnd[0]) > result.machine.cores ? ' — OTHER WORK WAS RUNNING: noisy' : ''}`,
  );
  out.push(`total ${f(result.durationS, 0)} s; JSON: bench/results/latest.json`);
  return out.join('\n');
}

/** The upload sets: time and memory per tool, then where the wall time went. */
function renderSets(result, out) {
  out.push('');
  const rows = [];
  for (const s of result.sets) {
    const mol = s.tools.molecule;
    for (const [tool, sum] of Object.entries(s.tools)) {
      const vsTwine = tool === 'molecule' && s.tools.twine ? `${f(mol.wallS / s.tools.twine.wallS)}×` : '';
      const vsCurl = tool === 'molecule' && s.tools.curl ? `${f(mol.wallS / s.tools.curl.wallS)}×` : '';
      rows.push([
        tool === 'molecule' ? s.label : '',
        tool,
        `${sum.okRuns}/${sum.runs}`,
        f(sum.wallS),
        `${f(sum.minS)}–${f(sum.maxS)}`,
        f(sum.mbPerS, 1),
        f(sum.peakRssMiB, 0),
        f(sum.cpuS, 1),
        vsTwine,
        vsCurl,
      ]);
    }
  }
  out.push(table(['set', 'tool', 'ok', 'wall s', 'min–max s', 'MB/s', 'peak RSS MiB', 'CPU s', 'mol/twine', 'mol/curl'], rows, 2));
  out.push('');
  out.push('where the wall time goes (sink timeline, medians, s): start = spawn -> first request (start-up, reading, any hashing');
  out.push('up front); index = first request -> first upload; uploads = first upload -> last answered; after = -> exit (verify, report);');
  out.push('sha256 field = sent before or after the file part');
  const prow = [];
  for (const s of result.sets) {
    for (const [tool, sum] of Object.entries(s.tools)) {
      const p = sum.phasesS ?? {};
      prow.push([
        tool === 'molecule' ? s.label : '',
        tool,
        f(p.beforeFirstRequest),
        f(p.indexBeforeUpload),
        f(p.uploads),
        f(p.afterUploads),
        f(sum.sinkCpuS, 1),
        f(sum.indexReads, 0),
        String(sum.maxUploadsInFlight),
        sum.digestAfterContent ? 'after' : 'before',
      ]);
    }
  }
  out.push(table(['set', 'tool', 'start', 'index', 'uploads', 'after', 'sink CPU s', 'index GETs', 'max in flight', 'sha256 field'], prow, 2));
}

/** The row "check of every real wheel": molecule-publish check of the corpus against its floor (bench/real-wheels.mjs). */
function renderRealWheels(rw, runs, out) {
  out.push('');
  if (rw.skipped) {
    out.push(`check of every real wheel: skipped (${rw.skipped})`);
    return;
  }
  out.push(
    `check of every real wheel: ${rw.files} wheels, ${f(rw.bytes / 1e9, 2)} GB, from ${rw.source}; median of ${runs}; floor = ${rw.python} opening each zip and reading its *.dist-info/METADATA`,
  );
  const row = (label, sum, ratio) => [
    label,
    `${sum.okRuns}/${sum.runs}`,
    f(sum.wallS),
    `${f(sum.minS)}–${f(sum.maxS)}`,
    f(sum.peakRssMiB, 0),
    f(sum.cpuS, 1),
    ratio,
  ];
  out.push(
    table(
      ['command', 'ok', 'wall s', 'min–max s', 'peak RSS MiB', 'CPU s', 'vs floor'],
      [row('molecule-publish check', rw.molecule, `${f(rw.ratio.wall)}× time, ${f(rw.ratio.peakRss)}× RSS`), row('python floor', rw.floor, '')],
      2,
    ),
  );
  const reads = (sum) => `${f(sum.readCalls, 0)} read calls, ${f(sum.readMB, 0)} MB`;
  out.push(`reads (from /proc/PID/io, a lower bound): molecule-publish ${reads(rw.molecule)}; python floor ${reads(rw.floor)}`);
  if (rw.rssByCount) {
    const by = rw.rssByCount.map((r) => `${f(r.peakRssMiB, 0)} MiB at ${r.files}${r.ok ? '' : ' (FAILED)'}`).join(', ');
    const qs = rw.quarters.map((r) => `${f(r.peakRssMiB, 0)}${r.ok ? '' : ' (FAILED)'}`).join(' / ');
    out.push(`peak RSS by number of files: ${by}; each quarter alone: ${qs} MiB`);
    // Issue 21's goals: <= 3x the floor, <= 100 MB at every count, flat (all of it costs no more
    // than its heaviest quarter alone, within 10%: what the count adds, not what the files are).
    const peaks = rw.rssByCount.map((r) => r.peakRssMiB);
    const all = rw.rssByCount[rw.rssByCount.length - 1].peakRssMiB;
    const heaviest = Math.max(...rw.quarters.map((r) => r.peakRssMiB));
    const mark = (met) => (met ? 'met' : 'MISSED');
    out.push(
      "issue 21's goals (this run):",
      table(
        ['goal', 'target', 'measured', ''],
        [
          ['time vs floor', '<= 3x', `${f(rw.ratio.wall)}x`, mark(rw.ratio.wall <= 3)],
          ['peak RSS', '<= 100 MB at every count', `${f((Math.max(...peaks) * 1048576) / 1e6, 0)} MB`, mark(Math.max(...peaks) * 1048576 <= 100e6)],
          [
            'flat in the count',
            'all <= 1.1x the heaviest quarter',
            `${f(all / heaviest)}x (${f(all, 0)} / ${f(heaviest, 0)} MiB)`,
            mark(all <= 1.1 * heaviest),
          ],
        ],
        2,
      ),
    );
  }
  const problems = [...rw.molecule.problems.map((p) => `molecule-publish check: ${p}`), ...rw.floor.problems.map((p) => `python floor: ${p}`)];
  if (problems.length) out.push('FAILED RUNS (left out of the medians):', ...problems.map((p) => `  ${p}`));
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = performance.now();
  const loadAtStart = os.loadavg();
  const twine = versionOf('twine', ['--version']);
  const curl = versionOf('curl', ['--version']);
  const machine = {
    cores: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel: os.cpus()[0]?.model?.trim() ?? '?',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    twine: twine?.replace(/\s*\(.*$/, ''),
    curl: curl?.split(' ').slice(0, 2).join(' '),
  };
  const unknown = ONLY.filter((p) => !PARTS.includes(p));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown part(s) ${unknown.join(', ')} (known: ${PARTS.join(', ')})`);
  log(
    `bench: ${machine.cores} cores, runs=${RUNS}${QUICK ? ', quick (no 1 GiB set)' : ''}${ONLY.length ? `, only ${ONLY.join(', ')}` : ''}; molecule-publish from ${SOURCE_ROOT} (${MOLECULE_LABEL ?? 'no git'}), copied to ${MOLECULE_ROOT}; inputs in ${INPUT_ROOT}`,
  );

  const needsInputs = wanted('uploads') || wanted('latency') || wanted('hashing') || wanted('cold');
  inputsPrepared = needsInputs;
  const sets = needsInputs ? await prepareInputs({ quick: QUICK, log }) : {};
  for (const s of Object.values(sets)) if (s.files.length === 1) s.curlSha256 = await sha256Of(s.files[0]);

  const { results, curve } = wanted('uploads') ? await uploadsBench(sets, machine, twine, curl) : { results: [], curve: [] };

  let latency = [];
  if (wanted('latency')) {
    log('over a link with latency ...');
    const latencySets = [
      { ...sets.release2, label: 'wheel + sdist (setuptools)' },
      { ...sets.spread15, label: '15 wheels of 9 projects' },
    ];
    latency = await latencyBench({
      sets: latencySets,
      tools: (url, set) => toolCommands({ url }, set, Boolean(twine), false),
      runs: RUNS,
      log,
      cwd: ROOT,
      onSpawn: (pid) => (activeChild = pid),
    });
    activeChild = undefined;
  }

  let hashing = [];
  if (wanted('hashing')) {
    log('hashing in-process ...');
    const hashFiles = [sets.mid100m.files[0], ...(sets.big1g ? [sets.big1g.files[0]] : [])];
    hashing = await hashingBench({ files: hashFiles, log });
  }

  let install;
  if (wanted('install')) {
    log('install of the packed package ...');
    install = await installBench();
  }

  let cold = [];
  if (wanted('cold')) {
    log(`cold start (${COLD_RUNS} runs each) ...`);
    cold = await coldStart(Boolean(twine), sets.release2.files);
  }

  let realWheels;
  if (wanted('real-wheels')) {
    log('check of every real wheel ...');
    realWheels = await realWheelsBench({
      node: NODE,
      bin: BIN,
      env: childEnv({}),
      cwd: ROOT,
      runs: RUNS,
      log,
      onSpawn: (pid) => (activeChild = pid),
    });
    activeChild = undefined;
    if (realWheels.skipped) log(`  skipped: ${realWheels.skipped}`);
  }

  const result = {
    benchFormat: 2,
    date: new Date().toISOString(),
    machine,
    config: {
      runs: RUNS,
      quick: QUICK,
      coldRuns: COLD_RUNS,
      sinkDelaysMs: [0, 100],
      moleculeRoot: SOURCE_ROOT,
      moleculeCommit: MOLECULE_LABEL,
      ...(ONLY.length ? { only: ONLY } : {}),
    },
    sets: results,
    latency,
    hashing,
    coldStart: cold,
    rssCurve: curve,
    install,
    realWheels,
    durationS: (performance.now() - started) / 1000,
    loadAvg: { atStart: loadAtStart, atEnd: os.loadavg() },
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${render(result)}\n`);
  const realWheelsOk =
    !realWheels || realWheels.skipped || (realWheels.molecule.okRuns === realWheels.molecule.runs && realWheels.floor.okRuns === realWheels.floor.runs);
  return result.sets.every((s) => s.runs.every((r) => r.ok)) && realWheelsOk ? 0 : 1;
}

/** The upload sets against the sink (molecule-publish, twine, curl), then the RSS curve. */
async function uploadsBench(sets, machine, twine, curl) {
  const sink = await startSinkProcess();
  sinkRef = sink;
  log(`sink at ${sink.url} (pid ${sink.pid})`);

  const plan = [
    { set: sets.release2, delayMs: 0, label: 'wheel + sdist (setuptools), sink 0 ms', goal: 'release' },
    { set: sets.projects50, delayMs: 100, label: '50 wheels of 50 projects, sink 100 ms', goal: 'projects' },
    { set: sets.versions200, delayMs: 100, label: '200 wheels of 1 project, sink 100 ms', goal: 'versions' },
    { set: sets.mid100m, delayMs: 0, label: '1 × 100 MiB' },
  ];
  if (sets.big1g) plan.push({ set: sets.big1g, delayMs: 0, label: '1 × 1 GiB', goal: 'big' });

  const results = [];
  for (const p of plan) {
    const tools = toolCommands(sink, p.set, Boolean(twine), Boolean(curl));
    const runs = [];
    if (os.loadavg()[0] > machine.cores)
      log(`  note: load average ${os.loadavg()[0].toFixed(1)} on ${machine.cores} cores: other work is running, timings will be noisy`);
    for (let i = 0; i < RUNS; i++) {
      for (const t of tools) {
        log(`[${p.label}] ${t.tool} run ${i + 1}/${RUNS} ...`);
        const r = await runOnce(sink, p.set, p.delayMs, t);
        log(
          `  ${r.ok ? 'ok' : 'FAILED'} ${(r.wallMs / 1000).toFixed(2)} s, peak RSS ${r.peakRssMiB.toFixed(0)} MiB${r.ok ? '' : `: ${r.problems.join('; ')}`}`,
        );
        runs.push(r);
      }
    }
    const summary = {};
    for (const t of tools)
      summary[t.tool] = summarise(
        runs.filter((r) => r.tool === t.tool),
        p.set.bytes,
      );
    results.push({ label: p.label, goal: p.goal, set: p.set.id, files: p.set.files.length, bytes: p.set.bytes, sinkDelayMs: p.delayMs, tools: summary, runs });
  }
  // Peak RSS against file size: molecule-publish alone, one run per size (memory must not grow with it).
  const curve = [];
  for (const id of ['mid100m', 'curve256m', 'curve512m', 'big1g']) {
    const set = sets[id];
    if (!set) continue;
    const mol = toolCommands(sink, set, false, false)[0];
    log(`[RSS curve] ${id} ...`);
    const r = await runOnce(sink, set, 0, mol);
    curve.push({ set: id, bytes: set.bytes, ok: r.ok, peakRssMiB: r.peakRssMiB, wallS: r.wallMs / 1000 });
  }
  await sink.stop();
  sinkRef = undefined;
  return { results, curve };
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  log(`bench failed: ${err?.stack ?? err}`);
} finally {
  await cleanup();
}
process.exit(exitCode);
