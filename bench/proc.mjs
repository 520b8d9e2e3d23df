// Running a child under measurement: wall time, peak RSS of its whole process tree (sampled from /proc
// every ~20 ms), approximate CPU time, captured output, and a timeout that kills the tree.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const SAMPLE_MS = 20;
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat times are in 1/100 s

function childrenOf(pid) {
  const out = [];
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (c.trim()) out.push(Number(c));
    } catch {
      // the task ended meanwhile
    }
  }
  return out;
}

/** The pid and all its descendants (that are still there). */
export function processTree(root) {
  const seen = new Set();
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop();
    if (seen.has(pid)) continue;
    seen.add(pid);
    stack.push(...childrenOf(pid));
  }
  return [...seen];
}

function readStatus(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

function readCpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11..14] = utime stime cutime cstime (fields 14..17 of stat(5), counted from state = 3)
    return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a live process has used so far. */
export function cpuSecondsOf(pid) {
  const t = readCpuTicks(pid);
  return t === undefined ? undefined : t / CLK_TCK;
}

/** Kill a tree, leaves first, by pid (never by name). */
export function killTree(root, signal = 'SIGKILL') {
  for (const pid of processTree(root).reverse()) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Runs cmd/args; resolves { startedAt, endedAt (epoch ms), code, signal, wallMs, peakRssKb, cpuS, stdout, stderr, timedOut }.
 * Never rejects for a failing child (a spawn error comes back as code -1 with the message in stderr).
 */
export function measure(cmd, args, { env, cwd, timeoutMs = 300_000, keepStdout = 32 * 1024 * 1024, keepStderr = 64 * 1024, onSpawn } = {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    const startedAt = Date.now();
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      if (stdout.length < keepStdout) stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.length > 2 * keepStderr) stderr = stderr.slice(-keepStderr);
    });
    let peakRssKb = 0;
    let peakHwmKb = 0;
    const cpuTicks = new Map();
    const sample = () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      let sum = 0;
      for (const pid of processTree(child.pid)) {
        const s = readStatus(pid);
        if (!s) continue;
        sum += s.rssKb;
        peakHwmKb = Math.max(peakHwmKb, s.hwmKb);
        const t = readCpuTicks(pid);
        if (t !== undefined) cpuTicks.set(pid, Math.max(cpuTicks.get(pid) ?? 0, t));
      }
      peakRssKb = Math.max(peakRssKb, sum);
    };
    const sampler = setInterval(sample, SAMPLE_MS);
    setImmediate(sample);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killTree(child.pid, 'SIGTERM');
      setTimeout(() => child.pid !== undefined && child.exitCode === null && killTree(child.pid, 'SIGKILL'), 2000).unref();
    }, timeoutMs);
    let spawnError;
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - started;
      clearInterval(sampler);
      clearTimeout(timer);
      const cpuS = [...cpuTicks.values()].reduce((a, b) => a + b, 0) / CLK_TCK;
      resolve({
        startedAt,
        endedAt: Date.now(),
        code: spawnError ? -1 : code,
        signal,
        wallMs,
        // The sampled peak of the tree's summed RSS; a single process's own high-water mark catches
        // a spike between two samples.
        peakRssKb: Math.max(peakRssKb, peakHwmKb),
        cpuS,
        stdout,
        stderr: spawnError ? String(spawnError.message) : stderr.slice(-keepStderr),
        timedOut,
      });
    });
  });
}

/** The median (the mean of the middle two for an even count); NaN for none. */
export function median(xs) {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
