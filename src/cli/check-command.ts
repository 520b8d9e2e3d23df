/**
 * `check` on the command line. Kept apart from commands.ts so that it loads what reading archives
 * needs and nothing more (no HTTP client, no logger, no engine): its results go to stdout, as twine
 * prints them (`check > report.txt` keeps them).
 */
import v8 from 'node:v8';
import { ExitCode } from '../errors.js';
import type { CliIo, GlobalFlags } from './types.js';

/**
 * Reading a thousand archives makes short-lived garbage at a steady rate (yauzl's objects for each
 * directory record) with a little of it surviving each collection, on which V8 doubles its young
 * generation up to 2 × 16 MiB: a third of the peak memory of a large check. Growth is turned off for
 * this process (the flag is read when V8 would grow the space, so setting it now takes effect); the
 * young generation stays at its starting 2 × 1 MiB, collected more often: no measurable time.
 */
function keepYoungGenerationSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

export async function runCheck(paths: string[], flags: { strict?: boolean }, io: CliIo, global: GlobalFlags): Promise<number> {
  const print = (line: string) => io.stdout(`${line}\n`);
  if (paths.length > 1) keepYoungGenerationSmall();
  const { check } = await import('../check.js');
  const report = await check(paths, { cwd: io.cwd, strict: flags.strict === true });
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
