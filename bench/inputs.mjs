// Benchmark inputs: valid wheels (zip with <name>-<ver>.dist-info/METADATA, WHEEL, RECORD and one stored
// member of random bytes), written by Python's zipfile as a stream (a 1 GiB wheel never sits in memory),
// and the everyday release: a wheel and an sdist built by setuptools (fixtures/dist, see fixtures/README.md).
// They are kept in a folder under os.tmpdir() with a marker per set, so repeated runs reuse them.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const INPUT_ROOT = join(tmpdir(), 'molecule-publish-bench-inputs');
const LAYOUT_VERSION = 3;
const FIXTURES = new URL('../fixtures/dist/', import.meta.url).pathname;
const RELEASE = ['molecule_demo_setuptools-1.0.0-py3-none-any.whl', 'molecule-demo-setuptools-1.0.0.tar.gz'];

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

// argv: out_dir, kind ("one" | "many" | "versions"), then for "one": name size_bytes; for "many" (one
// project each) and "versions" (one project, a version each): prefix count size_bytes
const GENERATOR = String.raw`
import base64, hashlib, os, sys, zipfile

def b64(digest):
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

def wheel(out_dir, name, version, size):
    norm = name.replace("-", "_")
    path = os.path.join(out_dir, f"{norm}-{version}-py3-none-any.whl")
    tmp = path + ".part"
    di = f"{norm}-{version}.dist-info"
    record = []
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        member = f"{norm}/payload.bin"
        h = hashlib.sha256()
        with zf.open(member, "w", force_zip64=size >= 2**31) as dst, open("/dev/urandom", "rb") as src:
            left = size
            while left > 0:
                chunk = src.read(min(left, 8 << 20))
                h.update(chunk)
                dst.write(chunk)
                left -= len(chunk)
        record.append(f"{member},sha256={b64(h.digest())},{size}")
        init = b"# benchmark payload\n"
        zf.writestr(f"{norm}/__init__.py", init)
        record.append(f"{norm}/__init__.py,sha256={b64(hashlib.sha256(init).digest())},{len(init)}")
        metadata = (
            "Metadata-Version: 2.1\n"
            f"Name: {name}\n"
            f"Version: {version}\n"
            "Summary: molecule-publish benchmark input\n"
            "Requires-Python: >=3.8\n"
            "Description-Content-Type: text/plain\n"
            "\n"
            f"{name} is an input of the molecule-publish benchmark: random bytes in a stored member.\n"
        ).encode()
        wheel_txt = b"Wheel-Version: 1.0\nGenerator: molecule-publish-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        for fname, data in (("METADATA", metadata), ("WHEEL", wheel_txt)):
            zf.writestr(f"{di}/{fname}", data)
            record.append(f"{di}/{fname},sha256={b64(hashlib.sha256(data).digest())},{len(data)}")
        record.append(f"{di}/RECORD,,")
        zf.writestr(f"{di}/RECORD", ("\n".join(record) + "\n").encode())
    os.replace(tmp, path)

out_dir, kind = sys.argv[1], sys.argv[2]
os.makedirs(out_dir, exist_ok=True)
if kind == "one":
    wheel(out_dir, sys.argv[3], "1.0.0", int(sys.argv[4]))
elif kind == "many":
    prefix, count, size = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    for i in range(count):
        wheel(out_dir, f"{prefix}-{i:03d}", "1.0.0", size)
elif kind == "spread":
    # count files over the given number of projects: file k is project k % projects, version 1.0.(k // projects)
    prefix, projects, count, size = sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    for k in range(count):
        wheel(out_dir, f"{prefix}-{k % projects:02d}", f"1.0.{k // projects}", size)
else:
    prefix, count, size = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    for i in range(count):
        wheel(out_dir, prefix, f"1.0.{i}", size)
`;

function run(args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', GENERATOR, ...args], { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`wheel generator failed (${signal ?? code}): ${stderr.slice(-2000)}`));
    });
  });
}

const MiB = 1024 * 1024;

/** The sets: { id, dir, files: [paths], bytes }. Generates what is missing. */
export async function prepareInputs({ quick, log }) {
  const specs = [
    { id: 'release2', copy: RELEASE, count: 2 },
    { id: 'projects50', args: ['many', 'bench-proj', '50', String(20 * 1024)], count: 50, timeoutMs: 120_000 },
    { id: 'versions200', args: ['versions', 'bench-one', '200', String(20 * 1024)], count: 200, timeoutMs: 120_000 },
    { id: 'mid100m', args: ['one', 'bench-mid', String(100 * MiB)], count: 1, timeoutMs: 300_000 },
    { id: 'spread15', args: ['spread', 'bench-nine', '9', '15', String(20 * 1024)], count: 15, timeoutMs: 120_000 },
  ];
  if (!quick) {
    specs.push(
      { id: 'curve256m', args: ['one', 'bench-c256', String(256 * MiB)], count: 1, timeoutMs: 600_000 },
      { id: 'curve512m', args: ['one', 'bench-c512', String(512 * MiB)], count: 1, timeoutMs: 600_000 },
      { id: 'big1g', args: ['one', 'bench-big', String(1024 * MiB)], count: 1, timeoutMs: 900_000 },
    );
  }
  mkdirSync(INPUT_ROOT, { recursive: true });
  const sets = {};
  for (const spec of specs) {
    const dir = join(INPUT_ROOT, `${spec.id}-v${LAYOUT_VERSION}`);
    const marker = join(dir, '.complete');
    if (!existsSync(marker)) {
      rmSync(dir, { recursive: true, force: true });
      const started = performance.now();
      log(`generating ${spec.id} in ${dir} ...`);
      if (spec.copy) {
        mkdirSync(dir, { recursive: true });
        for (const f of spec.copy) copyFileSync(join(FIXTURES, f), join(dir, f));
      } else await run([dir, ...spec.args], spec.timeoutMs);
      writeFileSync(marker, new Date().toISOString());
      log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.whl') || f.endsWith('.tar.gz'))
      .sort()
      .map((f) => join(dir, f));
    if (files.length !== spec.count) throw new Error(`${dir}: expected ${spec.count} files, found ${files.length}`);
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
    sets[spec.id] = { id: spec.id, dir, files, bytes };
  }
  return sets;
}

export function removeInputs() {
  rmSync(INPUT_ROOT, { recursive: true, force: true });
}
