/**
 * PEP 508 dependency specifiers, ported from packaging 26.2 (packaging/_tokenizer.py + packaging/_parser.py) with
 * their error messages, for Requires-Dist / Provides-Dist / Obsoletes-Dist and Warehouse's direct-dependency check.
 */
import { pyLen } from '../python.js';
import { normalizePep503 } from './names.js';
import { SPECIFIER_SRC } from './pep440.js';

// --- PEP 508 (packaging/_tokenizer.py + packaging/_parser.py, ported with their messages) ----------------------

/** Python's `\b` for str patterns (Unicode word characters: letters, numbers, underscore). */
const PY_WORD = '[\\p{L}\\p{N}_]';
const PY_B = `(?:(?<=${PY_WORD})(?!${PY_WORD})|(?<!${PY_WORD})(?=${PY_WORD}))`;
/** `DEFAULT_RULES`. `END` is Python's `$`: the end, or just before a final newline. */
const PEP508_RULES: Record<string, RegExp> = {
  LEFT_PARENTHESIS: /\(/y,
  RIGHT_PARENTHESIS: /\)/y,
  LEFT_BRACKET: /\[/y,
  RIGHT_BRACKET: /\]/y,
  SEMICOLON: /;/y,
  COMMA: /,/y,
  QUOTED_STRING: /('[^']*')|("[^"]*")/y,
  OP: /(===|==|~=|!=|<=|>=|<|>)/y,
  BOOLOP: new RegExp(`${PY_B}(or|and)${PY_B}`, 'uy'),
  IN: new RegExp(`${PY_B}in${PY_B}`, 'uy'),
  NOT: new RegExp(`${PY_B}not${PY_B}`, 'uy'),
  VARIABLE: new RegExp(
    `${PY_B}(python_version|python_full_version|os[._]name|sys[._]platform|platform_(release|system)` +
      `|platform[._](version|machine|python_implementation)|python_implementation|implementation_(name|version)` +
      `|extras?|dependency_groups)${PY_B}`,
    'uy',
  ),
  SPECIFIER: new RegExp(SPECIFIER_SRC, 'iy'),
  AT: /@/y,
  URL: /[^ \t]+/y,
  IDENTIFIER: new RegExp(`${PY_B}[a-zA-Z0-9][a-zA-Z0-9._-]*${PY_B}`, 'uy'),
  VERSION_PREFIX_TRAIL: /\.\*/y,
  VERSION_LOCAL_LABEL_TRAIL: /\+[a-z0-9]+(?:[-_.][a-z0-9]+)*/y,
  WS: /[ \t]+/y,
  END: /(?=\n?$)/y,
};

/** packaging._tokenizer `ParserSyntaxError`; `String(e)` is its `__str__` (message, source, caret line). */
class Pep508Error extends Error {
  constructor(
    readonly detail: string,
    readonly source: string,
    readonly span: [number, number],
  ) {
    super(detail);
  }
  override toString(): string {
    const cp = (i: number): number => pyLen(this.source.slice(0, i));
    const [a, b] = [cp(this.span[0]), cp(this.span[1])];
    return `${this.detail}\n    ${this.source}\n    ${' '.repeat(a)}${'~'.repeat(Math.max(0, b - a))}^`;
  }
}

interface Pep508Token {
  text: string;
  position: number;
}

class Pep508Tokenizer {
  position = 0;
  private nextToken: Pep508Token | null = null;
  constructor(readonly source: string) {}
  check(name: string, peek = false): boolean {
    const re = PEP508_RULES[name] as RegExp;
    re.lastIndex = this.position;
    const m = re.exec(this.source);
    if (!m) return false;
    if (!peek) this.nextToken = { text: m[0], position: this.position };
    return true;
  }
  expect(name: string, expected: string): Pep508Token {
    if (!this.check(name)) this.raise(`Expected ${expected}`);
    return this.read();
  }
  read(): Pep508Token {
    const t = this.nextToken as Pep508Token;
    this.position += t.text.length;
    this.nextToken = null;
    return t;
  }
  consume(name: string): void {
    if (this.check(name)) this.read();
  }
  raise(message: string, spanStart?: number, spanEnd?: number): never {
    throw new Pep508Error(message, this.source, [spanStart ?? this.position, spanEnd ?? this.position]);
  }
  enclosing<T>(open: string, close: string, around: string, body: () => T): T {
    let openPosition: number | null = null;
    if (this.check(open)) {
      openPosition = this.position;
      this.read();
    }
    const r = body();
    if (openPosition === null) return r;
    if (!this.check(close)) this.raise(`Expected matching ${close} for ${open}, after ${around}`, openPosition);
    this.read();
    return r;
  }
}

interface MarkerVar {
  variable: boolean;
  value: string;
}
interface MarkerItem {
  item: [MarkerVar, string, MarkerVar];
}
type MarkerAtom = MarkerItem | MarkerList;
type MarkerList = Array<MarkerAtom | 'and' | 'or'>;

interface ParsedRequirement {
  name: string;
  url: string;
  extras: string[];
  specifier: string;
  marker: MarkerList | null;
}

/** Python `ast.literal_eval` of a quoted string token (the escapes a marker value can use). */
function pyStringLiteral(token: string, tok: Pep508Tokenizer): string {
  const body = token.slice(1, -1);
  if (body.includes('\n') && !/\\\n/.test(body)) tok.raise('Expected a marker variable or quoted string'); // SyntaxError in Python
  const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|[\s\S])/g, (all, e: string) => {
    if (e in simple) return simple[e] as string;
    if (/^[xuU]/.test(e) && e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCodePoint(parseInt(e, 8));
    return all;
  });
}

/** packaging/_parser.py `parse_requirement`; throws `Pep508Error`. */
/** packaging/_parser.py `parse_requirement`; throws `Pep508Error`. */
export function parsePep508(source: string): ParsedRequirement {
  const t = new Pep508Tokenizer(source);
  t.consume('WS');
  const name = t.expect('IDENTIFIER', 'package name at the start of dependency specifier').text;
  t.consume('WS');
  const extras = parseExtras(t);
  t.consume('WS');
  const rest = t.check('AT') ? parseUrlRequirement(t) : parseSpecifierRequirement(t);
  t.expect('END', 'end of dependency specifier');
  return { name, extras, ...rest };
}

type RequirementTail = Pick<ParsedRequirement, 'url' | 'specifier' | 'marker'>;

/** `@ URL` and an optional marker after whitespace (`_parse_requirement_details`, URL branch). */
function parseUrlRequirement(t: Pep508Tokenizer): RequirementTail {
  t.read();
  t.consume('WS');
  const urlStart = t.position;
  const url = t.expect('URL', 'URL after @').text;
  let marker: MarkerList | null = null;
  if (!t.check('END', true)) {
    t.expect('WS', 'whitespace after URL');
    if (!t.check('END', true)) marker = parseRequirementMarker(t, urlStart, 'semicolon (after URL and whitespace)');
  }
  return { url, specifier: '', marker };
}

/** A version specifier (parenthesised or not) and an optional marker (`_parse_requirement_details`, specifier branch). */
function parseSpecifierRequirement(t: Pep508Tokenizer): RequirementTail {
  const specifierStart = t.position;
  const specifier = t.enclosing('LEFT_PARENTHESIS', 'RIGHT_PARENTHESIS', 'version specifier', () => {
    t.consume('WS');
    const s = parseVersionMany(t);
    t.consume('WS');
    return s;
  });
  t.consume('WS');
  let marker: MarkerList | null = null;
  if (!t.check('END', true)) {
    marker = parseRequirementMarker(
      t,
      specifierStart,
      specifier ? 'comma (within version specifier), semicolon (after version specifier)' : 'semicolon (after name with no version specifier)',
    );
  }
  return { url: '', specifier, marker };
}

function parseMarkerVar(t: Pep508Tokenizer): MarkerVar {
  if (t.check('VARIABLE')) {
    const v = t.read().text.replace(/\./g, '_');
    return { variable: true, value: v === 'python_implementation' ? 'platform_python_implementation' : v };
  }
  if (t.check('QUOTED_STRING')) return { variable: false, value: pyStringLiteral(t.read().text, t) };
  return t.raise('Expected a marker variable or quoted string');
}

function parseMarkerOp(t: Pep508Tokenizer): string {
  if (t.check('IN')) {
    t.read();
    return 'in';
  }
  if (t.check('NOT')) {
    t.read();
    t.expect('WS', "whitespace after 'not'");
    t.expect('IN', "'in' after 'not'");
    return 'not in';
  }
  if (t.check('OP')) return t.read().text;
  return t.raise('Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in');
}

function parseMarkerItem(t: Pep508Tokenizer): MarkerItem {
  t.consume('WS');
  const left = parseMarkerVar(t);
  t.consume('WS');
  const op = parseMarkerOp(t);
  t.consume('WS');
  const right = parseMarkerVar(t);
  t.consume('WS');
  return { item: [left, op, right] };
}

function parseMarkerAtom(t: Pep508Tokenizer): MarkerAtom {
  t.consume('WS');
  let marker: MarkerAtom;
  if (t.check('LEFT_PARENTHESIS', true)) {
    marker = t.enclosing('LEFT_PARENTHESIS', 'RIGHT_PARENTHESIS', 'marker expression', () => {
      t.consume('WS');
      const m = parseMarker(t);
      t.consume('WS');
      return m;
    });
  } else marker = parseMarkerItem(t);
  t.consume('WS');
  return marker;
}

function parseMarker(t: Pep508Tokenizer): MarkerList {
  const expression: MarkerList = [parseMarkerAtom(t)];
  while (t.check('BOOLOP')) {
    const op = t.read().text as 'and' | 'or';
    expression.push(op, parseMarkerAtom(t));
  }
  return expression;
}

function parseRequirementMarker(t: Pep508Tokenizer, spanStart: number, expected: string): MarkerList {
  if (!t.check('SEMICOLON')) t.raise(`Expected ${expected} or end`, spanStart);
  t.read();
  const marker = parseMarker(t);
  t.consume('WS');
  return marker;
}

function parseVersionMany(t: Pep508Tokenizer): string {
  let specs = '';
  while (t.check('SPECIFIER')) {
    const spanStart = t.position;
    specs += t.read().text;
    if (t.check('VERSION_PREFIX_TRAIL', true)) {
      t.raise('.* suffix can only be used with `==` or `!=` operators', spanStart, t.position + 1);
    }
    if (t.check('VERSION_LOCAL_LABEL_TRAIL', true)) {
      t.raise('Local version label can only be used with `==` or `!=` operators', spanStart, t.position);
    }
    t.consume('WS');
    if (!t.check('COMMA')) break;
    specs += t.read().text;
    t.consume('WS');
  }
  return specs;
}

function parseExtras(t: Pep508Tokenizer): string[] {
  if (!t.check('LEFT_BRACKET', true)) return [];
  return t.enclosing('LEFT_BRACKET', 'RIGHT_BRACKET', 'extras', () => {
    t.consume('WS');
    const extras: string[] = [];
    if (t.check('IDENTIFIER')) {
      extras.push(t.read().text);
      for (;;) {
        t.consume('WS');
        if (t.check('IDENTIFIER', true)) t.raise('Expected comma between extra names');
        else if (!t.check('COMMA')) break;
        t.read();
        t.consume('WS');
        extras.push(t.expect('IDENTIFIER', 'extra name after comma').text);
      }
    }
    t.consume('WS');
    return extras;
  });
}

/** packaging.markers `_format_marker` (after `_normalize_extra_values` on the top level). */
function formatMarker(marker: MarkerAtom | 'and' | 'or', first = true): string {
  const ser = (v: MarkerVar): string => (v.variable ? v.value : `"${v.value}"`);
  if (Array.isArray(marker)) {
    const only = marker[0];
    if (marker.length === 1 && typeof only === 'object') return formatMarker(only);
    const inner = marker.map((m) => formatMarker(m, false)).join(' ');
    return first ? inner : `(${inner})`;
  }
  if (typeof marker === 'object') return marker.item.map((x) => (typeof x === 'string' ? x : ser(x))).join(' ');
  return marker;
}

/** `str(packaging.requirements.Requirement(...))` for a requirement with a URL (Warehouse's direct-dependency message). */
export function requirementWithUrlStr(r: ParsedRequirement): string {
  const extras = [...new Set(r.extras)].sort();
  let marker = '';
  if (r.marker) {
    const normalized: MarkerList = r.marker.map((m) => {
      if (typeof m !== 'object' || Array.isArray(m)) return m;
      const [l, op, rt] = m.item;
      if (l.variable && l.value === 'extra') return { item: [l, op, { variable: false, value: normalizePep503(rt.value) }] };
      if (rt.variable && rt.value === 'extra') return { item: [{ variable: false, value: normalizePep503(l.value) }, op, rt] };
      return m;
    });
    marker = ` ; ${formatMarker(normalized)}`;
  }
  return `${r.name}${extras.length ? `[${extras.join(',')}]` : ''} @ ${r.url}${marker}`;
}
