/** The schema of the `[tool.molecule-publish]` table (kept apart so zod loads only when a table exists). */
import { z } from 'zod';
import type { FileConfig, TargetEntry } from './file-config.js';
import { TARGET_KIND_NAMES } from '../targets/kind-names.js';

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
    kind: z.enum(TARGET_KIND_NAMES).optional(),
    'upload-url': url,
    'index-url': url.optional(),
    /** A literal user name (e.g. "__token__"; "" for an Artifactory token)... */
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
    'gitea-owner': z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/)
      .optional(),
    'gitea-repository-url': url.optional(),
    'pypi-url': url.optional(),
    'pypi-index-url': url.optional(),
    pypi: z.boolean().optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    retries: z.number().int().min(0).max(20).optional(),
    'retry-delay': z.number().min(0).optional(),
    timeout: z.number().positive().optional(),
    'response-timeout': z.number().positive().optional(),
    'index-timeout': z.number().positive().optional(),
    verify: z.boolean().optional(),
    targets: z.array(TargetEntrySchema).min(1).optional(),
  })
  .strict();

// The written-out types and the schema's output are the same types: either change fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree: [Same<z.infer<typeof FileConfigSchema>, FileConfig>, Same<z.infer<typeof TargetEntrySchema>, TargetEntry>] = [true, true];
void agree;
