/**
 * The `[tool.molecule-publish]` table of pyproject.toml: the file layer of the configuration
 * (flags > environment > this file > defaults). Validated by one zod schema; an unknown key or a bad
 * value is one line naming the key and the file. Credentials are never values here, only the names
 * of the environment variables that hold them.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { UsageError } from '../errors.js';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the NAME of an environment variable');
const url = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}, 'must be an http(s) URL without credentials');

export const TargetEntrySchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, - or _'),
    kind: z.enum(['gitea', 'pypi']).optional(),
    'upload-url': url,
    'index-url': url.optional(),
    /** A literal user name (e.g. "__token__")... */
    username: z.string().optional(),
    /** ...or the name of the variable holding it. */
    'username-env': envName.optional(),
    'password-env': envName,
    policy: z.enum(['required', 'best-effort']).default('required'),
  })
  .strict();

export const FileConfigSchema = z
  .object({
    'gitea-url': url.optional(),
    'gitea-owner': z.string().regex(/^[A-Za-z0-9._-]+$/).optional(),
    'gitea-repository-url': url.optional(),
    'pypi-url': url.optional(),
    'pypi-index-url': url.optional(),
    pypi: z.boolean().optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    retries: z.number().int().min(0).max(20).optional(),
    'retry-delay': z.number().min(0).optional(),
    timeout: z.number().positive().optional(),
    verify: z.boolean().optional(),
    targets: z.array(TargetEntrySchema).min(1).optional(),
  })
  .strict();

export type FileConfig = z.infer<typeof FileConfigSchema>;
export type TargetEntry = z.infer<typeof TargetEntrySchema>;

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
    document = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    // smol-toml's message names line and column, never values beyond the offending token.
    const where = /line (\d+)/i.exec((err as Error).message)?.[1];
    throw new UsageError(`${file}: not valid TOML${where ? ` (line ${where})` : ''}`, { code: 'config' });
  }
  const tool = document.tool as Record<string, unknown> | undefined;
  const table = tool?.['molecule-publish'];
  if (table === undefined) return { config: {}, source };
  const parsed = FileConfigSchema.safeParse(table);
  if (!parsed.success) {
    // An unknown key says the most (a typo, or a secret where only its variable's name belongs).
    const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    if (issue?.code === 'unrecognized_keys') {
      const keys = (issue as { keys?: string[] }).keys ?? [];
      const secret = keys.some((k) => /password|token|secret/i.test(k));
      const key = keys.map((k) => (path ? `${path}.${k}` : k)).join(', ');
      throw new UsageError(`${source}: ${key}: unknown key${secret ? ' (credentials are never written in files: name their variable with password-env)' : ''}`, { code: 'config' });
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
