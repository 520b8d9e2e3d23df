/**
 * The `[tool.molecule-publish]` table as the rest of the code sees it, once pyproject-schema.ts has
 * checked it. Written out (not inferred from the zod schema) so that the library's declarations do
 * not need zod, which the package bundles instead of depending on; the schema file checks at compile
 * time that the two agree.
 */
import type { TargetKindName } from '../targets/kind-names.js';

export interface TargetEntry {
  name: string;
  kind?: TargetKindName | undefined;
  'upload-url': string;
  'index-url'?: string | undefined;
  /** A literal user name (e.g. "__token__"; "" for an Artifactory token: set, and empty)... */
  username?: string | undefined;
  /** ...or the name of the variable holding it. */
  'username-env'?: string | undefined;
  'password-env': string;
  policy: 'required' | 'best-effort';
}

export interface FileConfig {
  'gitea-url'?: string | undefined;
  'gitea-owner'?: string | undefined;
  'gitea-repository-url'?: string | undefined;
  'pypi-url'?: string | undefined;
  'pypi-index-url'?: string | undefined;
  pypi?: boolean | undefined;
  concurrency?: number | undefined;
  retries?: number | undefined;
  'retry-delay'?: number | undefined;
  timeout?: number | undefined;
  'response-timeout'?: number | undefined;
  'index-timeout'?: number | undefined;
  verify?: boolean | undefined;
  targets?: TargetEntry[] | undefined;
}
