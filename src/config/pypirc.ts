/**
 * `.pypirc`, read as twine reads it (Python's RawConfigParser): `key = value` or `key: value`,
 * continuation lines, `#`/`;` comment lines, no inline comments, no `%` interpolation; `[pypi]` and
 * `[testpypi]` have built-in URLs. A parse error never echoes the file's text: it may hold a token.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TARGET_KIND_NAMES, type TargetKindName } from '../targets/kind-names.js';
import { UsageError } from '../errors.js';

export type IniSections = Map<string, Map<string, string>>;

export const BUILTIN_REPOSITORIES: Record<string, string> = {
  pypi: 'https://upload.pypi.org/legacy/',
  testpypi: 'https://test.pypi.org/legacy/',
};

export class IniError extends Error {}

export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    if (/^\s*([#;].*)?$/.test(raw)) {
      lastKey = undefined;
      continue;
    }
    if (/^\s/.test(raw)) {
      // A continuation line belongs to the last key's value.
      if (!current || lastKey === undefined) throw new IniError('continuation line without a key');
      current.set(lastKey, `${current.get(lastKey) ?? ''}\n${raw.trim()}`);
      continue;
    }
    const section = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (section) {
      const name = section[1] ?? '';
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      lastKey = undefined;
      continue;
    }
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
    if (!pair || !current) throw new IniError('a line outside any section, or not key = value');
    lastKey = (pair[1] ?? '').toLowerCase();
    current.set(lastKey, (pair[2] ?? '').trim());
  }
  return sections;
}

export interface PypircRepository {
  name: string;
  url: string;
  username?: string;
  password?: string;
  /** Not twine's: `kind = devpi` (or --repository-kind) says which registry it is, where its URL does not tell. */
  kind?: TargetKindName;
  /** Not twine's: the simple index, where it cannot be derived from the upload URL. */
  indexUrl?: string;
  caCert?: string;
  clientCert?: string;
  /** For messages: which file and section. */
  source: string;
}

export function defaultPypircPath(env: NodeJS.ProcessEnv): string {
  return join(env.HOME || homedir(), '.pypirc');
}

export async function readPypircRepository(name: string, file: string, explicitFile: boolean): Promise<PypircRepository> {
  let sections: IniSections = new Map();
  try {
    sections = parseIni(await readFile(file, 'utf8'));
  } catch (err) {
    if (err instanceof IniError) throw new UsageError(`Malformed configuration in ${file}.`, { code: 'config' });
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' || explicitFile) throw new UsageError(`${file}: cannot read it (${code ?? 'error'})`, { code: 'config' });
  }
  const section = sections.get(name);
  const builtin = BUILTIN_REPOSITORIES[name];
  if (!section && !builtin) {
    throw new UsageError(`Missing '${name}' section from ${file}.`, {
      code: 'config',
      hint: 'see https://packaging.python.org/specifications/pypirc/',
    });
  }
  const defaults = sections.get('server-login');
  const get = (key: string) => section?.get(key) ?? defaults?.get(key);
  const repo: PypircRepository = { name, url: section?.get('repository') ?? builtin ?? '', source: `${file} [${name}]` };
  const username = get('username');
  const password = get('password');
  if (username !== undefined) repo.username = username;
  if (password !== undefined) repo.password = password;
  const kind = section?.get('kind');
  if (kind !== undefined) {
    if (!(TARGET_KIND_NAMES as readonly string[]).includes(kind)) {
      throw new UsageError(`${repo.source}: kind '${kind}' is not one of ${TARGET_KIND_NAMES.join(', ')}`, { code: 'config' });
    }
    repo.kind = kind as TargetKindName;
  }
  const indexUrl = section?.get('index_url') ?? section?.get('index-url');
  if (indexUrl) repo.indexUrl = indexUrl;
  const ca = section?.get('ca_cert');
  const client = section?.get('client_cert');
  if (ca) repo.caCert = ca;
  if (client) repo.clientCert = client;
  return repo;
}
