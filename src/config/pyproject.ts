/**
 * The `[tool.molecule-publish]` table of pyproject.toml: the file layer of the configuration
 * (flags > environment > this file > defaults). Validated by one zod schema; an unknown key or a bad
 * value is one line naming the key and the file. Credentials are never values here, only the names
 * of the environment variables that hold them.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';

export type { FileConfig, TargetEntry } from './file-config.js';
import type { FileConfig } from './file-config.js';

export interface LoadedFileConfig {
  config: FileConfig;
  /** "pyproject.toml [tool.molecule-publish]", for messages. */
  source: string;
}

/** Reads the table; no file (when not named explicitly) or no table means an empty layer. */
export async function loadPyprojectConfig(cwd: string, explicit?: string): Promise<LoadedFileConfig> {
  const file = explicit ?? 'pyproject.toml';
  const source = `${file} [tool.molecule-publish]`;
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (err) {
    if (!explicit && (err as NodeJS.ErrnoException).code === 'ENOENT') return { config: {}, source };
    throw new UsageError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { code: 'config' });
  }
  let document: Record<string, unknown>;
  try {
    const { parse: parseToml } = await import('smol-toml');
    document = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    // smol-toml's message names line and column, never values beyond the offending token.
    const where = /line (\d+)/i.exec((err as Error).message)?.[1];
    throw new UsageError(`${file}: not valid TOML${where ? ` (line ${where})` : ''}`, { code: 'config' });
  }
  const tool = document.tool as Record<string, unknown> | undefined;
  const table = tool?.['molecule-publish'];
  if (table === undefined) return { config: {}, source };
  const { FileConfigSchema } = await import('./pyproject-schema.js');
  const parsed = FileConfigSchema.safeParse(table);
  if (!parsed.success) {
    // An unknown key says the most (a typo, or a secret where only its variable's name belongs).
    const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    if (issue?.code === 'unrecognized_keys') {
      const keys = (issue as { keys?: string[] }).keys ?? [];
      const secret = keys.some((k) => /password|token|secret/i.test(k));
      const key = keys.map((k) => (path ? `${path}.${k}` : k)).join(', ');
      throw new UsageError(
        `${source}: ${key}: unknown key${secret ? ' (credentials are never written in files: name their variable with password-env)' : ''}`,
        { code: 'config' },
      );
    }
    throw new UsageError(`${source}: ${path ? `${path}: ` : ''}${issue?.message ?? 'invalid value'}`, { code: 'config' });
  }
  const names = new Set<string>();
  for (const t of parsed.data.targets ?? []) {
    if (names.has(t.name)) throw new UsageError(`${source}: targets: the name '${t.name}' is used twice`, { code: 'config' });
    names.add(t.name);
  }
  return { config: parsed.data, source };
}
