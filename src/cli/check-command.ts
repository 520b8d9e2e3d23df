/**
 * `check` on the command line. Kept apart from commands.ts so that it loads what reading archives
 * needs and nothing more (no HTTP client, no logger, no engine): its results go to stdout, as twine
 * prints them (`check > report.txt` keeps them).
 */
import v8 from 'node:v8';
import { ExitCode } from '../errors.js';
import type { CliIo, GlobalFlags } from './types.js';

/**
 * Reading a thousand archives makes short-lived garbage at a steady rate with a little of it surviving
 * each collection: V8 then doubles its young generation up to 2 × 16 MiB and lets the old one grow
 * well past what is alive (about 8 MiB and the read buffers), which was most of a large check's peak
 * memory. For this process only (`check` is the CLI's whole run; the library's check() sets nothing)
 * the young generation keeps its starting 2 × 1 MiB and the old one grows by half of what is alive
 * after each full collection instead of V8's default (up to 4×). Both flags are read when V8 resizes,
 * so setting them mid-run takes effect. Measured on 967 real wheels: peak RSS 110 -> 93 MiB, about
 * +0.2 s of collections.
 */
function keepHeapSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1 --heap-growing-percent=50');
}

/** From this many files on, the heap is kept small (see keepHeapSmall). */
const MANY_FILES = 16;

export async function runCheck(paths: string[], flags: { strict?: boolean }, io: CliIo, global: GlobalFlags): Promise<number> {
  const print = (line: string) => io.stdout(`${line}\n`);
  const { check } = await import('../check.js');
  // Set once the files are found: before that (loading the code) and for a few files the heap's default
  // growth is quicker (the flags cost a wheel + sdist 10 ms of collections while the modules load).
  const onDiscovered = (files: number) => {
    if (files > MANY_FILES) keepHeapSmall();
  };
  const report = await check(paths, { cwd: io.cwd, strict: flags.strict === true, onDiscovered });
  if (global.verbose) for (const ignored of report.ignored) io.stderr(`debug: ignored ${ignored} (not a distribution)\n`);
  for (const f of report.files) {
    const refusers = f.refusedBy.map((r) => r.target).join(' and ');
    print(`Checking ${f.path}: ${f.verdict === 'PASSED, refused by a best-effort target' ? `PASSED, but ${refusers} would refuse it` : f.verdict}`);
    for (const e of f.errors) print(`  error: ${f.filename}: ${e}`);
    for (const r of f.refusedBy)
      print(`  ${r.target} (${r.policy}) would refuse ${f.filename}: ${r.refusal.reason}${r.refusal.fix ? `; fix: ${r.refusal.fix}` : ''}`);
    for (const w of f.warnings) print(`  warning: ${f.filename}: ${w}`);
  }
  print(`${report.passed} passed, ${report.failed} failed`);
  return report.failed > 0 ? ExitCode.invalidArtifact : ExitCode.ok;
}
