/**
 * PEP 508 requirements and environment markers, checked the way packaging's parser reads them
 * (`packaging._parser`): a tokenizer and a recursive-descent parser, linear in the length of the line.
 * A regular expression with nested optional whitespace backtracks cubically on a line of spaces (a
 * 1 KiB `Requires-Dist` held the process for minutes); this cannot.
 */
import { isValidVersion } from './pep440.js';
import { shorten, shown } from '../util/text.js';

/** Why the text is not a PEP 508 requirement, or undefined when it is one. */
export function requirementProblem(text: string): string | undefined {
  try {
    new Parser(text).requirement();
    return undefined;
  } catch (err) {
    if (err instanceof SyntaxProblem) return err.message;
    throw err;
  }
}

/** Why the text is not a PEP 508 marker expression, or undefined when it is one. */
export function markerProblem(text: string): string | undefined {
  try {
    const p = new Parser(text);
    p.markerOr();
    p.space();
    p.end();
    return undefined;
  } catch (err) {
    if (err instanceof SyntaxProblem) return err.message;
    throw err;
  }
}

/** A direct reference (`name @ URL`): PyPI refuses these in Requires-Dist. */
export function isDirectReference(text: string): boolean {
  const p = new Parser(text);
  try {
    p.space();
    p.name();
    p.space();
    if (p.peek('[')) p.extras();
    p.space();
    return p.peek('@');
  } catch {
    return false;
  }
}

class SyntaxProblem extends Error {}

const MARKER_VARIABLES = new Set([
  'python_version',
  'python_full_version',
  'os_name',
  'sys_platform',
  'platform_release',
  'platform_system',
  'platform_version',
  'platform_machine',
  'platform_python_implementation',
  'implementation_name',
  'implementation_version',
  'extra',
  'extras',
  'dependency_groups',
  // Legacy spellings packaging still accepts.
  'os.name',
  'sys.platform',
  'platform.version',
  'platform.machine',
  'platform.python_implementation',
  'python_implementation',
]);
const VERSION_OPERATORS = ['===', '~=', '==', '!=', '<=', '>=', '<', '>'] as const;

/** Deeper nesting of parentheses in a marker is refused (a hostile line cannot exhaust the stack). */
const MAX_MARKER_DEPTH = 64;

class Parser {
  private at = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  requirement(): void {
    this.space();
    this.name();
    this.space();
    if (this.peek('[')) this.extras();
    this.space();
    if (this.take('@')) {
      this.space();
      const start = this.at;
      while (this.at < this.text.length && !/\s/.test(this.text[this.at] ?? '')) this.at++;
      if (this.at === start) this.fail('a URL after @');
      // A marker after a URL must be separated by whitespace (the URL may contain ';').
      if (this.at < this.text.length) {
        this.space();
        if (this.take(';')) this.marker();
      }
    } else {
      this.versionSpec();
      this.space();
      if (this.take(';')) this.marker();
    }
    this.space();
    this.end();
  }

  name(): void {
    const match = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/.exec(this.text.slice(this.at, this.at + 512));
    if (!match) this.fail('a project name');
    this.at += match[0].length;
  }

  extras(): void {
    this.expect('[');
    this.space();
    if (!this.take(']')) {
      this.name();
      this.space();
      while (this.take(',')) {
        this.space();
        this.name();
        this.space();
      }
      this.expect(']');
    }
  }

  private versionSpec(): void {
    const parenthesised = this.take('(');
    this.space();
    if (this.operatorAhead()) {
      this.specifier();
      this.space();
      while (this.take(',')) {
        this.space();
        this.specifier();
        this.space();
      }
    }
    if (parenthesised) this.expect(')');
  }

  private operatorAhead(): string | undefined {
    return VERSION_OPERATORS.find((op) => this.text.startsWith(op, this.at));
  }

  private specifier(): void {
    const op = this.operatorAhead();
    if (!op) this.fail('a version operator (==, >=, ~=, …)');
    this.at += op.length;
    this.space();
    const start = this.at;
    while (this.at < this.text.length && !/[\s,;)]/.test(this.text[this.at] ?? '')) this.at++;
    const version = this.text.slice(start, this.at);
    if (version === '') this.fail(`a version after '${op}'`);
    if (op === '===') return;
    const bare = version.endsWith('.*') && (op === '==' || op === '!=') ? version.slice(0, -2) : version;
    if (!isValidVersion(bare)) this.fail(`a PEP 440 version after '${op}', not '${shorten(version)}'`);
  }

  private marker(): void {
    this.space();
    this.markerOr();
  }

  markerOr(): void {
    this.markerAnd();
    while (this.keyword('or')) this.markerAnd();
  }

  private markerAnd(): void {
    this.markerAtom();
    while (this.keyword('and')) this.markerAtom();
  }

  private markerAtom(): void {
    this.space();
    if (this.take('(')) {
      if (++this.depth > MAX_MARKER_DEPTH) this.fail(`at most ${MAX_MARKER_DEPTH} nested parentheses`);
      this.markerOr();
      this.space();
      this.expect(')');
      this.depth--;
      return;
    }
    this.markerValue();
    this.space();
    this.markerOperator();
    this.space();
    this.markerValue();
    this.space();
  }

  private markerValue(): void {
    const quote = this.text[this.at];
    if (quote === '"' || quote === "'") {
      const close = this.text.indexOf(quote, this.at + 1);
      if (close === -1) this.fail('a closing quote');
      this.at = close + 1;
      return;
    }
    const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(this.text.slice(this.at, this.at + 64));
    if (!match || !MARKER_VARIABLES.has(match[0])) this.fail('a marker variable (python_version, sys_platform, extra, …) or a quoted string');
    this.at += match[0].length;
  }

  private markerOperator(): void {
    const op = VERSION_OPERATORS.find((o) => this.text.startsWith(o, this.at));
    if (op) {
      this.at += op.length;
      // `python_version >> '3'`: a second operator character is not an operator.
      if (/^[<>=!~]/.test(this.text[this.at] ?? '')) this.fail(`a marker operator, not '${op}${this.text[this.at]}'`);
      return;
    }
    if (this.keyword('in')) return;
    if (this.keyword('not')) {
      if (this.keyword('in')) return;
      this.fail("'in' after 'not'");
    }
    this.fail('a marker operator (==, <, in, not in, …)');
  }

  /** A keyword followed by whitespace or a bracket, after optional whitespace. */
  private keyword(word: string): boolean {
    const start = this.at;
    this.space();
    if (this.text.startsWith(word, this.at) && !/[A-Za-z0-9_]/.test(this.text[this.at + word.length] ?? '')) {
      this.at += word.length;
      return true;
    }
    this.at = start;
    return false;
  }

  space(): void {
    while (this.at < this.text.length && /[ \t]/.test(this.text[this.at] ?? '')) this.at++;
  }

  peek(char: string): boolean {
    return this.text[this.at] === char;
  }

  private take(char: string): boolean {
    if (!this.peek(char)) return false;
    this.at++;
    return true;
  }

  private expect(char: string): void {
    if (!this.take(char)) this.fail(`'${char}'`);
  }

  end(): void {
    if (this.at < this.text.length) this.fail('the end of the requirement');
  }

  private fail(wanted: string): never {
    // One line, whatever the text holds (a continuation line folds a newline into the value).
    const found = this.at < this.text.length ? `'${shown(this.text.slice(this.at, this.at + 40), 20)}'` : 'the end';
    throw new SyntaxProblem(`expected ${wanted} at column ${this.at + 1}, found ${found}`);
  }
}
