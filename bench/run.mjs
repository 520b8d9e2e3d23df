// `npm run bench`: molecule-publish against a loopback sink registry, next to twine and curl.
//
//   BENCH_RUNS=3          runs per tool and set (the table shows the median)
//   BENCH_QUICK=1         skip the 1 GiB set
//   BENCH_COLD_RUNS=15    runs per command for the cold-start figures
//   BENCH_KEEP_INPUTS=1   keep the generated wheels (under os.tmpdir()) for the next run
//   BENCH_MOLECULE_ROOT=DIR  measure another built checkout (its bin/ and build/), e.g. a baseline
//   BENCH_MOLECULE_LABEL=...  how to name it in the output (default: its git commit)
//
// Everything goes to 127.0.0.1. Prints a table on stdout (progress on stderr) and writes the same
// as JSON to bench/results/latest.json.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { INPUT_ROOT, prepareInputs, removeInputs } from './inputs.mjs';
import { hashingBench, sha256Of } from './hashing.mjs';
import { cpuSecondsOf, killTree, measure } from './proc.mjs';

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
const OWNER = 'bench';
const USER = 'bench-user';
const TOKEN = 'bench-token-not-a-secret';

const log = (m) => process.stderr.write(`${m}\n`);
const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

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
let cleaningUp = false;
async function cleanup() {
  if (cleaningUp) return;
  cleaningUp = true;
  if (activeChild) killTree(activeChild, 'SIGKILL');
  await sinkRef?.stop().catch(() => sinkRef?.kill());
  if (!KEEP_INPUTS) removeInputs();
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

async function coldStart(twineOk, checkWheel) {
  const cmds = [
    { name: 'node -e 0', cmd: NODE, args: ['-e', '0'] },
    { name: 'molecule-publish --version', cmd: NODE, args: [BIN, '--version'] },
  ];
  if (twineOk) cmds.push({ name: 'twine --version', cmd: 'twine', args: ['--version'] });
  // `check` on one small wheel loads what a publish loads (reading, metadata, validation), with no network.
  if (checkWheel) {
    cmds.push({ name: 'molecule-publish check 1 small wheel', cmd: NODE, args: [BIN, 'check', checkWheel] });
    if (twineOk) cmds.push({ name: 'twine check 1 small wheel', cmd: 'twine', args: ['check', checkWheel] });
  }
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
    runs: times.get(c.name).length,
    medianMs: median(times.get(c.name)),
    minMs: Math.min(...times.get(c.name)),
    peakRssMiB: median(rss.get(c.name)),
  }));
}

/** The CLI's file hash as it runs in the CLI: the first call in a fresh process (no warm-up). */
async function coldDigest(digestsUrl, fnName, file, runs = 3) {
  const script = `const { ${fnName}: hashFile } = await import(${JSON.stringify(digestsUrl)});
const t = performance.now(); await hashFile(${JSON.stringify(file)}); const first = performance.now() - t;
const t2 = performance.now(); await hashFile(${JSON.stringify(file)}); console.log(JSON.stringify({ first, second: performance.now() - t2 }));`;
  const firsts = [];
  const seconds = [];
  for (let i = 0; i < runs; i++) {
    const r = await measure(NODE, ['--input-type=module', '-e', script], { cwd: MOLECULE_ROOT, timeoutMs: 300_000 });
    if (r.code === 0) {
      const { first, second } = JSON.parse(r.stdout);
      firsts.push(first);
      seconds.push(second);
    }
  }
  return { firstCallMs: median(firsts), secondCallMs: median(seconds) };
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
  out.push('');
  out.push('hashing in-process (MB/s):');
  out.push(
    table(
      ['hash', 'over', 'MB/s'],
      result.hashing.map((h) => [h.name, h.source, f(h.mbPerS, 0)]),
      2,
    ),
  );
  if (result.coldDigest) {
    const c = result.coldDigest;
    out.push(
      `the CLI's ${c.fn}() in a fresh process on ${c.file}: first call ${f(c.firstCallMs / 1000)} s (${f(c.bytes / 1e6 / (c.firstCallMs / 1000), 0)} MB/s), second ${f(c.secondCallMs / 1000)} s (${f(c.bytes / 1e6 / (c.secondCallMs / 1000), 0)} MB/s)`,
    );
  }
  out.push('');
  out.push(`cold start (median of ${result.config.coldRuns}):`);
  out.push(
    table(
      ['command', 'median ms', 'min ms', 'peak RSS MiB'],
      result.coldStart.map((c) => [c.command, f(c.medianMs, 0), f(c.minMs, 0), f(c.peakRssMiB, 0)]),
    ),
  );
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
  log(
    `bench: ${machine.cores} cores, runs=${RUNS}${QUICK ? ', quick (no 1 GiB set)' : ''}; molecule-publish from ${SOURCE_ROOT} (${MOLECULE_LABEL ?? 'no git'}), copied to ${MOLECULE_ROOT}; inputs in ${INPUT_ROOT}`,
  );

  const sets = await prepareInputs({ quick: QUICK, log });
  for (const s of Object.values(sets)) if (s.files.length === 1) s.curlSha256 = await sha256Of(s.files[0]);

  const sink = await startSinkProcess();
  sinkRef = sink;
  log(`sink at ${sink.url} (pid ${sink.pid})`);

  const plan = [
    { set: sets.small200, delayMs: 0, label: `200 × ${f(sets.small200.bytes / 200 / 1000, 0)} KB, sink 0 ms` },
    { set: sets.small200, delayMs: 100, label: `200 × ${f(sets.small200.bytes / 200 / 1000, 0)} KB, sink 100 ms` },
    { set: sets.mid100m, delayMs: 0, label: '1 × 100 MiB' },
  ];
  if (sets.big1g) plan.push({ set: sets.big1g, delayMs: 0, label: '1 × 1 GiB' });

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
    results.push({ label: p.label, set: p.set.id, files: p.set.files.length, bytes: p.set.bytes, sinkDelayMs: p.delayMs, tools: summary, runs });
  }
  await sink.stop();
  sinkRef = undefined;

  log('hashing in-process ...');
  const digestsUrl = pathToFileURL(join(MOLECULE_ROOT, 'build', 'artifacts', 'digests.js')).href;
  const digests = await import(digestsUrl).catch(() => ({}));
  // The CLI's own file-hashing function, whichever this build has: digestFile (3 hashes) or sha256File.
  const cliHashName = typeof digests.digestFile === 'function' ? 'digestFile' : typeof digests.sha256File === 'function' ? 'sha256File' : undefined;
  const hashFiles = [sets.mid100m.files[0], ...(sets.big1g ? [sets.big1g.files[0]] : [])];
  const hashing = await hashingBench({ files: hashFiles, cliHash: cliHashName && { name: cliHashName, fn: digests[cliHashName] }, log });
  let coldDigestResult;
  if (cliHashName) {
    log(`${cliHashName}() in a fresh process ...`);
    const coldDigestFile = hashFiles[hashFiles.length - 1];
    const cd = await coldDigest(digestsUrl, cliHashName, coldDigestFile);
    coldDigestResult = { fn: cliHashName, file: basename(coldDigestFile), bytes: (sets.big1g ?? sets.mid100m).bytes, ...cd };
  }

  log(`cold start (${COLD_RUNS} runs each) ...`);
  const cold = await coldStart(Boolean(twine), sets.small200.files[0]);

  const result = {
    benchFormat: 1,
    date: new Date().toISOString(),
    machine,
    config: {
      runs: RUNS,
      quick: QUICK,
      coldRuns: COLD_RUNS,
      smallWheels: 200,
      sinkDelaysMs: [0, 100],
      moleculeRoot: SOURCE_ROOT,
      moleculeCommit: MOLECULE_LABEL,
    },
    sets: results,
    hashing,
    coldDigest: coldDigestResult,
    coldStart: cold,
    durationS: (performance.now() - started) / 1000,
    loadAvg: { atStart: loadAtStart, atEnd: os.loadavg() },
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${render(result)}\n`);
  return result.sets.every((s) => s.runs.every((r) => r.ok)) ? 0 : 1;
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
