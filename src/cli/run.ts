/** Process entry: wires the real environment into main() and sets the exit code. */
import { main } from './main.js';

const code = await main(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  tty: process.stderr.isTTY ? process.stderr : undefined,
});
process.exitCode = code;
