/**
 * The real-wheel corpus of test/real-world/real-wheels.test.ts and bench/real-wheels.mjs: wheels
 * downloaded from PyPI that a developer machine already holds for pip, found where pip would look.
 *
 *   MOLECULE_REAL_WHEELS=DIR[:DIR...]  these folders and nothing else ('' = no corpus)
 *
 * Otherwise pip's configuration, read as pip 23 reads it (without running pip): the files
 * $XDG_CONFIG_DIRS/pip/pip.conf (/etc/xdg/pip/pip.conf), /etc/pip.conf, ~/.pip/pip.conf,
 * $XDG_CONFIG_HOME/pip/pip.conf (~/.config/pip/pip.conf), $VIRTUAL_ENV/pip.conf and $PIP_CONFIG_FILE
 * (later ones win, key by key; PIP_CONFIG_FILE=/dev/null reads none, and an existing
 * $PIP_CONFIG_FILE replaces the user files), [install] over [global], and PIP_FIND_LINKS,
 * PIP_INDEX_URL, PIP_EXTRA_INDEX_URL over both. Of find-links, index-url and extra-index-url only
 * local folders count (paths and file:// URLs; http(s) indexes are left alone).
 *
 * Each folder is walked (symlinked folders are not followed); a wheel is any *.whl in it, or linked
 * from an *.html page in it: a file:// simple index at X/simple links its files from X/simple/<project>/
 * index.html, wherever they live (X/files on the machine this was written on). Wheels are
 * deduplicated by file name (the first folder wins) and sorted by it. No folder, no wheel: [].
 * bench/real-wheels.mjs loads this file too (its types stripped by esbuild): it imports node: modules only.
 */
import { type Dirent, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Env = Record<string, string | undefined>;

/** The pip keys that can name a local folder of distributions. */
const KEYS = ['find-links', 'index-url', 'extra-index-url'] as const;
type Key = (typeof KEYS)[number];

/** A parsed pip.conf: section -> normalized key -> value (RawConfigParser's reading, simplified). */
type Ini = Map<string, Map<string, string>>;

/** The configuration files pip reads, lowest priority first (pip/_internal/configuration.py). */
export function pipConfigFiles(env: Env = process.env): string[] {
  const configFile = env.PIP_CONFIG_FILE;
  if (configFile === '/dev/null') return [];
  const home = env.HOME || homedir();
  const xdgDirs = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':').filter(Boolean);
  const global = [...xdgDirs.map((d) => join(d, 'pip', 'pip.conf')), '/etc/pip.conf'];
  const user =
    configFile && existsSync(configFile) ? [] : [join(home, '.pip', 'pip.conf'), join(env.XDG_CONFIG_HOME || join(home, '.config'), 'pip', 'pip.conf')];
  const site = env.VIRTUAL_ENV ? [join(env.VIRTUAL_ENV, 'pip.conf')] : [];
  return [...global, ...user, ...site, ...(configFile ? [configFile] : [])];
}

/** pip's key names: lower case, '_' as '-', no leading '--'. */
const normalize = (name: string) => name.toLowerCase().replace(/_/g, '-').replace(/^--/, '');

export function parseIni(text: string): Ini {
  const ini: Ini = new Map();
  let section: Map<string, string> | undefined;
  let last: { key: string; indent: number } | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    const stripped = line.trim();
    const indent = line.length - line.trimStart().length;
    if (stripped === '' || stripped.startsWith('#') || stripped.startsWith(';')) continue;
    // A continuation line: indented deeper than its key.
    if (last && section && indent > last.indent) {
      section.set(last.key, `${section.get(last.key) ?? ''}\n${stripped}`);
      continue;
    }
    const header = /^\[(.+)\]$/.exec(stripped);
    if (header) {
      const name = header[1] ?? '';
      section = ini.get(name) ?? new Map<string, string>();
      ini.set(name, section);
      last = undefined;
      continue;
    }
    const option = /^(.*?)\s*[=:]\s*(.*)$/.exec(stripped);
    if (!option || !section) continue;
    const key = normalize(option[1] ?? '');
    section.set(key, option[2] ?? '');
    last = { key, indent };
  }
  return ini;
}

/** The values pip would end up with for find-links, index-url and extra-index-url (split on white space). */
export function readPipConfig(env: Env = process.env): Record<Key, string[]> {
  // Files merge key by key, later files winning; then [install] over [global], then PIP_* variables.
  const merged = new Map<string, Map<string, string>>();
  for (const file of pipConfigFiles(env)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const [name, values] of parseIni(text)) {
      const into = merged.get(name) ?? new Map<string, string>();
      for (const [k, v] of values) into.set(k, v);
      merged.set(name, into);
    }
  }
  const out = {} as Record<Key, string[]>;
  for (const key of KEYS) {
    const fromEnv = env[`PIP_${key.toUpperCase().replace(/-/g, '_')}`];
    const value = fromEnv ?? merged.get('install')?.get(key) ?? merged.get('global')?.get(key) ?? '';
    out[key] = value.split(/\s+/).filter(Boolean);
  }
  return out;
}

/** A local folder or file for a find-links / index entry (a path or a file:// URL), else undefined. */
function localPath(entry: string): string | undefined {
  if (/^file:/i.test(entry)) {
    try {
      return fileURLToPath(entry);
    } catch {
      return undefined;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) return undefined;
  return resolve(entry);
}

/** Where to look: MOLECULE_REAL_WHEELS if set, else the local folders of pip's configuration. */
export function realWheelFolders(env: Env = process.env): string[] {
  const override = env.MOLECULE_REAL_WHEELS;
  if (override !== undefined)
    return override
      .split(':')
      .filter(Boolean)
      .map((d) => resolve(d));
  const config = readPipConfig(env);
  const entries = [...config['find-links'], ...config['index-url'], ...config['extra-index-url']];
  return [...new Set(entries.flatMap((e) => localPath(e) ?? []))].filter((p) => existsSync(p));
}

/** The local files a page links to with an href ending in .whl (its #sha256=... fragment dropped). */
function linkedWheels(page: string): string[] {
  let html: string;
  try {
    html = readFileSync(page, 'utf8');
  } catch {
    return [];
  }
  const base = pathToFileURL(page);
  const out: string[] = [];
  for (const m of html.matchAll(/href\s*=\s*["']([^"'#?]+\.whl)(?:[#?][^"']*)?["']/gi)) {
    try {
      const url = new URL((m[1] ?? '').replace(/&amp;/g, '&'), base);
      if (url.protocol === 'file:') out.push(fileURLToPath(url));
    } catch {
      // not a URL we can follow
    }
  }
  return out;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Every *.whl in a folder (recursively) or linked from a page in it; a page or a wheel given directly also counts. */
function wheelsUnder(root: string): string[] {
  const out: string[] = [];
  const visit = (path: string, entry?: Dirent) => {
    const name = basename(path);
    const isDir = entry ? entry.isDirectory() : statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
    if (isDir) {
      let entries: Dirent[];
      try {
        entries = readdirSync(path, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) visit(join(path, e.name), e);
      return;
    }
    if (/\.whl$/i.test(name) && isFile(path)) out.push(path);
    else if (/\.html?$/i.test(name)) out.push(...linkedWheels(path).filter(isFile));
  };
  visit(root);
  return out;
}

/** The corpus: absolute paths of every real wheel found, one per file name, sorted by file name. */
export function findRealWheels(env: Env = process.env): string[] {
  const byName = new Map<string, string>();
  for (const folder of realWheelFolders(env)) {
    for (const wheel of wheelsUnder(folder)) {
      const name = basename(wheel);
      if (!byName.has(name)) byName.set(name, isAbsolute(wheel) ? wheel : resolve(wheel));
    }
  }
  return [...byName.keys()].sort().map((name) => byName.get(name) ?? name);
}

/** One line saying where the corpus came from, for the test's and the bench's output. */
export function describeRealWheelSource(env: Env = process.env): string {
  const folders = realWheelFolders(env);
  const from = env.MOLECULE_REAL_WHEELS !== undefined ? 'MOLECULE_REAL_WHEELS' : "pip's configuration";
  return `${from}: ${folders.length ? folders.join(', ') : 'no folder'}`;
}
