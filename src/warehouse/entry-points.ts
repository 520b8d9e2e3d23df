/**
 * The entry points of a wheel, as warehouse/utils/wheel.py checks them (#20081, 2026-05). One copy
 * serves the PyPI double and the client's prediction; the real-wheel corpus checks both.
 */
import { utf8Strict } from './python-repr.js';

/**
 * warehouse/utils/wheel.py `_validate_entrypoints`: entry_points.txt must be UTF-8 and parse with
 * `configparser.ConfigParser(delimiters=('=',))` (case-sensitive keys); names in [console_scripts] and
 * [gui_scripts] must match `[\w.-]+`. The configparser is reproduced for what makes it raise: text before the
 * first section, a repeated section or key, a line that is neither a section, a `key = value` nor a continuation.
 */
export function entryPointsValid(bytes: Buffer): boolean {
  let text: string;
  try {
    text = utf8Strict.decode(bytes);
  } catch {
    return false;
  }
  const sections = new Map<string, Set<string>>();
  let current: Set<string> | null = null;
  let inValue = false;
  let indent = 0;
  for (const line of text.split('\n')) {
    const stripped = line.trim();
    if (stripped === '' || stripped.startsWith('#') || stripped.startsWith(';')) {
      if (stripped !== '' || !inValue) continue;
      continue; // empty lines inside a value are kept as part of it
    }
    const lineIndent = line.length - line.trimStart().length;
    if (current && inValue && lineIndent > indent) continue; // continuation line
    const header = /^\[(.+)\]/.exec(stripped);
    if (header) {
      const name = header[1] as string;
      if (sections.has(name) && name !== 'DEFAULT') return false; // DuplicateSectionError
      current = sections.get(name) ?? new Set();
      sections.set(name, current);
      inValue = false;
      continue;
    }
    if (!current) return false; // MissingSectionHeaderError
    const eq = stripped.indexOf('=');
    if (eq <= 0) return false; // ParsingError
    const key = stripped.slice(0, eq).trimEnd();
    if (key === '') return false;
    if (current.has(key)) return false; // DuplicateOptionError
    current.add(key);
    inValue = true;
    indent = lineIndent;
  }
  const defaults = sections.get('DEFAULT') ?? new Set<string>();
  for (const s of ['console_scripts', 'gui_scripts']) {
    const keys = sections.get(s);
    if (!keys) continue;
    for (const k of [...keys, ...defaults]) if (!/^[\p{L}\p{N}_.-]+$/u.test(k)) return false;
  }
  return true;
}
