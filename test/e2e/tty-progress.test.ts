/**
 * Upload progress on a terminal and in CI logs. The terminal path runs the built CLI under a
 * pseudo-terminal (util-linux `script`), so stderr really is a TTY: a cli-progress bar is drawn and
 * no "uploading" lines are printed. Without a TTY (or with CI set) there is one line per upload, and
 * for a file of 10 MiB or more one line per 10%. Colour follows src/log.ts colorWanted: NO_COLOR
 * wins, then FORCE_COLOR, then whether stderr is a terminal.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, FIXTURES, ROOT, giteaEnv, runCli } from '../helpers/cli.js';
import { startGiteaRegistry, type GiteaRegistry } from '../helpers/registries/index.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = '/usr/bin/script';
const SMALL = 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl';
const BIG = 'big_demo-1.0.0-py3-none-any.whl';

/** ANSI SGR foreground colours (what src/log.ts writes); cursor codes do not count. */
const COLOUR = /\x1b\[(3[0-9]|9[0-7])m/;
/** A cli-progress bar at 100%: `[` + bar characters + `] 100%`. */
const BAR_COLOUR = /\[[\u2588\u2591]{10,}\] 100%/;
const BAR_PLAIN = /\[[#-]{10,}\] 100%/;
const BAR_ANY = /[\u2588\u2591]|\[[#-]{10,}\]/;

/** A valid wheel of about 12 MiB: one stored (uncompressed) member of random bytes, METADATA, WHEEL, RECORD. */
const MAKE_WHEEL = String.raw`
import base64, hashlib, os, sys, zipfile
path = sys.argv[1]
dist_info = "big_demo-1.0.0.dist-info"
members = [
    ("big_demo/__init__.py", b"", zipfile.ZIP_DEFLATED),
    ("big_demo/blob.bin", os.urandom(12 * 1024 * 1024), zipfile.ZIP_STORED),
    (dist_info + "/METADATA", b"Metadata-Version: 2.1\nName: big-demo\nVersion: 1.0.0\n", zipfile.ZIP_DEFLATED),
    (dist_info + "/WHEEL", b"Wheel-Version: 1.0\nGenerator: molecule-publish-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n", zipfile.ZIP_DEFLATED),
]
record = []
with zipfile.ZipFile(path, "w") as z:
    for name, data, method in members:
        z.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, compress_type=method)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (name, digest, len(data)))
    record.append(dist_info + "/RECORD,,")
    z.writestr(zipfile.ZipInfo(dist_info + "/RECORD", (2024, 1, 1, 0, 0, 0)), "\n".join(record) + "\n", compress_type=zipfile.ZIP_DEFLATED)
`;

let smallDist = '';
let bigDist = '';
const made: string[] = [];

beforeAll(async () => {
  smallDist = await mkdtemp(join(tmpdir(), 'molecule-tty-small-'));
  bigDist = await mkdtemp(join(tmpdir(), 'molecule-tty-big-'));
  made.push(smallDist, bigDist);
  await copyFile(join(FIXTURES, SMALL), join(smallDist, SMALL));
  await copyFile(join(FIXTURES, SMALL), join(bigDist, SMALL));
  await promisify(execFile)(PYTHON, ['-c', MAKE_WHEEL, join(bigDist, BIG)], { timeout: 30_000 });
});

afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

interface PtyResult {
  code: number | null;
  /** Everything the pseudo-terminal showed (stdout and stderr together), CRLF turned into LF. */
  output: string;
}

/**
 * Runs the CLI with stdin, stdout and stderr on a pseudo-terminal. Asynchronous on purpose: the
 * registry answering the CLI runs in this process. stdin stays an open pipe so `script` never sees EOF.
 */
function runInPty(args: string[], env: Record<string, string | undefined>, timeoutMs = 50_000): Promise<PtyResult> {
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), TERM: 'xterm-256color', SHELL: '/bin/sh' };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  const command = `stty cols 120 rows 40 2>/dev/null; exec ${[process.execPath, BIN, ...args].map(shellQuote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT, ['--quiet', '--return', '--flush', '--command', command, '/dev/null'], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, output: output.replace(/\r\n/g, '\n') });
    });
  });
}

async function withGitea<T>(fn: (gitea: GiteaRegistry) => Promise<T>): Promise<T> {
  const gitea = await startGiteaRegistry();
  try {
    return await fn(gitea);
  } finally {
    await gitea.close();
  }
}

const target = (gitea: GiteaRegistry): string[] => ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--no-pypi'];

/** `NN%` lines lineProgress printed for a file, as numbers. */
function percentLines(text: string, file: string): number[] {
  const re = new RegExp(`${file.replace(/[.+]/g, '\\$&')}: (\\d+)% \\(`, 'g');
  return [...text.matchAll(re)].map((m) => Number(m[1]));
}

describe.concurrent('on a terminal (pseudo-terminal, CI unset)', { timeout: 60_000 }, () => {
  it('draws a coloured bar to 100% for each upload, and prints no "uploading" lines', async () => {
    await withGitea(async (gitea) => {
      const r = await runInPty([...target(gitea), bigDist], giteaEnv());
      expect(r.code, r.output).toBe(0);
      expect(
        gitea
          .files()
          .map((f) => f.filename)
          .sort(),
      ).toEqual([BIG, SMALL]);
      expect(r.output).toMatch(BAR_COLOUR);
      for (const f of [SMALL, BIG]) expect(r.output).toMatch(new RegExp(`${f.replace(/[.+]/g, '\\$&')} \\[[\\u2588\\u2591]+\\] 100%`));
      expect(r.output).toContain('12 MiB');
      expect(r.output).not.toMatch(/: uploading /);
      expect(r.output).toMatch(COLOUR); // a terminal without NO_COLOR: coloured log lines
    });
  });

  it('NO_COLOR=1: a plain #/- bar and no ANSI colour codes at all', async () => {
    await withGitea(async (gitea) => {
      const r = await runInPty([...target(gitea), smallDist], giteaEnv({ NO_COLOR: '1' }));
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(BAR_PLAIN);
      expect(r.output).not.toMatch(/[\u2588\u2591]/);
      expect(r.output).not.toMatch(COLOUR);
    });
  });

  it('CI=true on a terminal: log lines, not a bar', async () => {
    await withGitea(async (gitea) => {
      const r = await runInPty([...target(gitea), smallDist], giteaEnv({ CI: 'true', NO_COLOR: '1' }));
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(new RegExp(`uploading ${SMALL.replace(/[.+]/g, '\\$&')} \\(`));
      expect(r.output).not.toMatch(BAR_ANY);
      expect(r.output).not.toContain('100%');
    });
  });

  it('--log-format json on a terminal: JSON records, not a bar', async () => {
    await withGitea(async (gitea) => {
      const r = await runInPty(['--log-format', 'json', ...target(gitea), smallDist], giteaEnv());
      expect(r.code, r.output).toBe(0);
      expect(r.output).not.toMatch(BAR_ANY);
      const records = r.output
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { event?: string; file?: string });
      expect(records.some((rec) => rec.event === 'file-start' && rec.file === SMALL)).toBe(true);
    });
  });
});

describe.concurrent('without a terminal', { timeout: 60_000 }, () => {
  it('CI=true: one "uploading" line per file, no bar; a file of 10 MiB or more gets a line every 10%', async () => {
    await withGitea(async (gitea) => {
      const r = await runCli([...target(gitea), bigDist], { env: giteaEnv({ CI: 'true' }), timeoutMs: 50_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`uploading ${SMALL.replace(/[.+]/g, '\\$&')} \\(1\\.\\d KiB\\)`));
      expect(r.stderr).toMatch(new RegExp(`uploading ${BIG.replace(/[.+]/g, '\\$&')} \\(12 MiB\\)`));
      expect(r.stderr + r.stdout).not.toMatch(BAR_ANY);
      // Several 10% steps, rising, never 0% or 100% (the start and "uploaded" lines say those).
      const steps = percentLines(r.stderr, BIG);
      expect(steps.length, r.stderr).toBeGreaterThanOrEqual(5);
      for (const [i, p] of steps.entries()) {
        expect(p % 10).toBe(0);
        expect(p).toBeGreaterThanOrEqual(10);
        expect(p).toBeLessThanOrEqual(90);
        if (i > 0) expect(p).toBeGreaterThan(steps[i - 1] ?? 0);
      }
      expect(r.stderr).toMatch(new RegExp(`${BIG.replace(/[.+]/g, '\\$&')}: \\d0% \\(\\d+(\\.\\d)? MiB of 12 MiB\\)`));
      expect(percentLines(r.stderr, SMALL)).toEqual([]); // small files: no percentages
      expect(r.stderr).not.toMatch(COLOUR); // runCli sets NO_COLOR=1
    });
  });

  it('FORCE_COLOR=1 colours the log lines without a terminal (still no bar); NO_COLOR wins over it', async () => {
    await withGitea(async (gitea) => {
      const forced = await runCli([...target(gitea), smallDist], { env: giteaEnv({ NO_COLOR: undefined, FORCE_COLOR: '1' }) });
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stderr).toMatch(COLOUR);
      expect(forced.stderr).toMatch(/uploading /);
      expect(forced.stderr).not.toMatch(BAR_ANY);

      const both = await runCli([...target(gitea), smallDist], { env: giteaEnv({ NO_COLOR: '1', FORCE_COLOR: '1' }) });
      expect(both.code, both.stderr).toBe(0); // already_present now: still a clean run
      expect(both.stderr).not.toMatch(COLOUR);

      const neither = await runCli([...target(gitea), smallDist], { env: giteaEnv({ NO_COLOR: undefined }) });
      expect(neither.stderr).not.toMatch(COLOUR); // no terminal, nothing forced: plain
    });
  });
});
