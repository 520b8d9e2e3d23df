/**
 * Runs a composite action (action.yml) as a runner would: reads it with a small YAML-subset parser,
 * substitutes the `${{ … }}` expressions it may hold (inputs, github.*, steps.<id>.outputs.*), and
 * runs each `run:` script with `bash --noprofile --norc -eo pipefail` (GitHub's and act's `shell: bash`)
 * with the step's env and its own $GITHUB_OUTPUT file, then evaluates the action's declared outputs.
 *
 * The parser reads block mappings, block sequences (of mappings or scalars), plain, single- and
 * double-quoted scalars, literal block scalars (`|`, `|-`) and full-line comments; anything else
 * (flow collections, anchors, folded scalars, tabs) throws, so action.yml stays within what is read here.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type YamlValue = string | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  indent: number;
  text: string;
  no: number;
}

export function parseYamlSubset(source: string): YamlValue {
  const lines: Line[] = source.split('\n').map((raw, i) => {
    if (raw.includes('\t')) throw new Error(`line ${i + 1}: tab characters are outside the YAML subset`);
    const text = raw.trimStart();
    return { indent: raw.length - text.length, text: text.trimEnd(), no: i + 1 };
  });
  let pos = 0;
  const isSkippable = (l: Line) => l.text === '' || l.text.startsWith('#');
  const next = (): Line | undefined => {
    while (pos < lines.length && isSkippable(lines[pos] as Line)) pos++;
    return lines[pos];
  };
  const fail = (l: Line, why: string): never => {
    throw new Error(`line ${l.no}: ${why}: ${l.text}`);
  };
  const isSeqItem = (text: string) => text === '-' || text.startsWith('- ');
  const mapEntry = /^([A-Za-z0-9_][A-Za-z0-9_.-]*):(?: (.*))?$/;

  function scalar(text: string, l: Line): string {
    if (text.startsWith("'")) {
      const m = /^'((?:[^']|'')*)'$/.exec(text);
      if (!m) fail(l, 'unterminated single-quoted scalar');
      return (m?.[1] ?? '').replace(/''/g, "'");
    }
    if (text.startsWith('"')) {
      const m = /^"((?:[^"\\]|\\.)*)"$/.exec(text);
      if (!m) fail(l, 'unterminated double-quoted scalar');
      return (m?.[1] ?? '').replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', '"': '"', '\\': '\\' })[c] ?? fail(l, `escape \\${c}`));
    }
    const plain = text.replace(/\s+#.*$/, '');
    if (/^[[{&*!>%@`]/.test(plain) || plain.includes(': ')) fail(l, 'outside the YAML subset');
    return plain;
  }

  function blockScalar(parentIndent: number, style: string): string {
    const body: string[] = [];
    while (pos < lines.length) {
      const l = lines[pos] as Line;
      if (l.text !== '' && l.indent <= parentIndent) break;
      body.push(l.text === '' ? '' : ' '.repeat(l.indent) + l.text);
      pos++;
    }
    while (body.length && body[body.length - 1] === '') body.pop();
    const first = body.find((b) => b !== '');
    const indent = first ? first.length - first.trimStart().length : 0;
    const text = body.map((b) => b.slice(indent)).join('\n');
    return style === '|-' || text === '' ? text : `${text}\n`;
  }

  function value(rest: string | undefined, l: Line): YamlValue {
    if (rest === undefined || rest === '') {
      const n = next();
      return n && n.indent > l.indent ? node(n.indent) : '';
    }
    if (rest === '|' || rest === '|-') return blockScalar(l.indent, rest);
    return scalar(rest, l);
  }

  function mapping(indent: number): Record<string, YamlValue> {
    const out: Record<string, YamlValue> = {};
    for (let l = next(); l && l.indent === indent && !isSeqItem(l.text); l = next()) {
      const m = mapEntry.exec(l.text);
      if (!m) fail(l, 'not a "key: value" line');
      const key = m?.[1] ?? '';
      if (key in out) fail(l, `duplicate key ${key}`);
      pos++;
      out[key] = value(m?.[2], l);
    }
    const l = next();
    if (l && l.indent > indent) fail(l, 'unexpected indentation');
    return out;
  }

  function sequence(indent: number): YamlValue[] {
    const out: YamlValue[] = [];
    for (let l = next(); l && l.indent === indent && isSeqItem(l.text); l = next()) {
      const rest = l.text.slice(1).trimStart();
      if (mapEntry.test(rest)) {
        // `- key: value`: the item is a mapping whose first entry sits two columns in.
        lines[pos] = { indent: indent + 2, text: rest, no: l.no };
        out.push(mapping(indent + 2));
      } else {
        pos++;
        out.push(value(rest, l));
      }
    }
    return out;
  }

  function node(indent: number): YamlValue {
    const l = next();
    if (!l) return '';
    return isSeqItem(l.text) ? sequence(indent) : mapping(indent);
  }

  const first = next();
  const doc = node(first?.indent ?? 0);
  const rest = next();
  if (rest) fail(rest, 'unexpected line');
  return doc;
}

export interface ActionInput {
  description?: string;
  required?: string;
  default?: string;
}
export interface ActionStep {
  id?: string;
  name?: string;
  shell?: string;
  env?: Record<string, string>;
  run?: string;
  uses?: string;
}
export interface CompositeAction {
  name: string;
  description: string;
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { description?: string; value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

export async function readAction(file: string): Promise<CompositeAction> {
  return parseYamlSubset(await readFile(file, 'utf8')) as unknown as CompositeAction;
}

/** GITHUB_OUTPUT's two forms: `name=value` lines and `name<<DELIMITER … DELIMITER` blocks. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter] = heredoc;
      const end = lines.indexOf(delimiter as string, i + 1);
      if (end < 0) throw new Error(`GITHUB_OUTPUT: ${name}'s block is never closed`);
      out[name] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`GITHUB_OUTPUT: unreadable line ${JSON.stringify(line)}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

export interface RunActionOptions {
  /** Inputs as a workflow's `with:` gives them (strings); undeclared ones throw. */
  with?: Record<string, string>;
  /** The job's environment, the `uses:` step's env included (credentials from secrets go here). */
  env: Record<string, string>;
  /** The github context the expressions may read (action_path included). */
  github: Record<string, string>;
  cwd: string;
  timeoutMs?: number;
}

export interface StepRun {
  id: string | undefined;
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the step wrote to its GITHUB_OUTPUT. */
  written: Record<string, string>;
}

export interface ActionRun {
  /** The exit code of the step that failed, else 0: the `uses:` step fails exactly when it is not 0. */
  code: number | null;
  steps: StepRun[];
  /** The action's declared outputs, evaluated. */
  outputs: Record<string, string>;
}

type Context = { inputs: Record<string, string>; github: Record<string, string>; steps: Record<string, Record<string, string>> };

/** Substitutes each `${{ expr }}`; only plain context look-ups are allowed, anything else throws. */
export function substitute(text: string, ctx: Context): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
    let m = /^inputs\.([A-Za-z0-9_-]+)$/.exec(expr);
    if (m) {
      const v = ctx.inputs[m[1] as string];
      if (v === undefined) throw new Error(`\${{ ${expr} }}: no such input`);
      return v;
    }
    m = /^github\.([a-z_]+)$/.exec(expr);
    if (m) {
      const v = ctx.github[m[1] as string];
      if (v === undefined) throw new Error(`\${{ ${expr} }}: not in the test's github context`);
      return v;
    }
    m = /^steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)$/.exec(expr);
    // A step output never written reads as '' (as on a runner).
    if (m) return ctx.steps[m[1] as string]?.[m[2] as string] ?? '';
    throw new Error(`\${{ ${expr} }}: an expression the test runner does not evaluate`);
  });
}

function bash(script: string, env: Record<string, string>, cwd: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function runCompositeAction(action: CompositeAction, options: RunActionOptions): Promise<ActionRun> {
  if (action.runs.using !== 'composite') throw new Error(`runs.using is ${action.runs.using}, not composite`);
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs ?? {})) inputs[name] = options.with?.[name] ?? spec.default ?? '';
  for (const name of Object.keys(options.with ?? {})) if (!(name in (action.inputs ?? {}))) throw new Error(`input ${name} is not declared`);
  const ctx: Context = { inputs, github: options.github, steps: {} };
  const dir = await mkdtemp(join(tmpdir(), 'molecule-action-'));
  const steps: StepRun[] = [];
  let code: number | null = 0;
  for (const [i, step] of action.runs.steps.entries()) {
    if (step.uses !== undefined || step.run === undefined) throw new Error(`step ${i}: only run: steps are run here`);
    if (step.shell !== 'bash') throw new Error(`step ${i}: shell is ${step.shell}, not bash`);
    const script = join(dir, `step-${i}.sh`);
    const outputFile = join(dir, `output-${i}`);
    await writeFile(script, substitute(step.run, ctx));
    await writeFile(outputFile, '');
    const env: Record<string, string> = { ...options.env };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = substitute(v, ctx);
    env.GITHUB_OUTPUT = outputFile;
    const r = await bash(script, env, options.cwd, options.timeoutMs ?? 30_000);
    const written = parseOutputFile(await readFile(outputFile, 'utf8'));
    if (step.id) ctx.steps[step.id] = written;
    steps.push({ id: step.id, ...r, written });
    if (r.code !== 0) {
      code = r.code;
      break;
    }
  }
  const outputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.outputs ?? {})) outputs[name] = substitute(spec.value, ctx);
  return { code, steps, outputs };
}
