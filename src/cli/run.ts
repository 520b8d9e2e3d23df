/**
 * Process entry: wires the real environment into main() and sets the exit code. The first SIGINT or
 * SIGTERM cancels the uploads in flight and lets the run write its summary (exit 130 / 143); a second
 * one exits at once.
 */
import { main } from './main.js';

const controller = new AbortController();
let interruptedBy: 'SIGINT' | 'SIGTERM' | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interruptedBy) process.exit(signal === 'SIGINT' ? 130 : 143);
    interruptedBy = signal;
    controller.abort(new Error(`interrupted by ${signal}`));
  });
}

const code = await main(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  tty: process.stderr.isTTY ? process.stderr : undefined,
  signal: controller.signal,
  interruptedBy: () => interruptedBy,
});
process.exitCode = code;
