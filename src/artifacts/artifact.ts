/**
 * One distribution file, inspected: its file name parsed, its metadata read and validated, its
 * digests computed. Inspection never throws for a bad file: problems are collected as one-line
 * findings so `check` can report every file and a publish can refuse the whole set up front.
 */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseDistFilename, type DistFilename } from './filename.js';
import { parseCoreMetadata, type CoreMetadata } from './metadata.js';
import { ArchiveProblem, METADATA_SIZE_CAP, readDistMetadata, type ZipFacts } from './read-metadata.js';
import { sha256File } from './digests.js';
import { validateAgainstFilename, validateMetadata, type Refusal } from './validate.js';
import { archiveFindings, type ArchiveContents } from './archive-rules.js';
import { byName } from '../util/text.js';

export interface Artifact {
  path: string;
  filename: string;
  size: number;
  dist: DistFilename;
  /** The upload form's `filetype`. */
  filetype: 'bdist_wheel' | 'sdist';
  /** The upload form's `pyversion`: the wheel's python tag(s) as written, `source` for sdists. */
  pyversion: string;
  /** Project name and version as the metadata states them. */
  name: string;
  version: string;
  metadata: CoreMetadata;
  metadataPath: string;
  /** Facts of a zip archive that a registry may check (see ZipFacts). */
  zip?: ZipFacts;
  /** What only PyPI refuses in the metadata (see validate.ts); the PyPI target skips the file for it. */
  pypiMetadataRefusals: Refusal[];
  /**
   * Hex sha256 of the file, once known: computed up front for a dry run or `check`, otherwise while
   * the file streams to the first server (see http/send.ts): the run keeps those (upload/context.ts).
   */
  sha256?: string;
  /** PEP 740 attestations found beside the file, as the JSON array the `attestations` field carries. */
  attestations?: string;
}

export interface Inspection {
  path: string;
  filename: string;
  size: number;
  errors: string[];
  warnings: string[];
  /** Present when the file could be read; a file with errors may still have one. */
  artifact?: Artifact;
}

export interface InspectOptions {
  /** What a relative path is relative to (the caller's working folder, not necessarily the process's). */
  cwd?: string;
  metadataSizeCap?: number;
  /** How long reading the metadata may take (read-metadata.ts READ_BUDGET_MS by default). */
  budgetMs?: number;
  /** Hash the file now (dry run, check). A publish hashes while sending instead. */
  digest?: boolean;
  /**
   * Keep the whole metadata for the upload form (the default). `false` keeps only what a run that sends
   * nothing needs after the file is inspected (name, version, the findings): `check` of a thousand
   * wheels would otherwise keep every description, and with it every METADATA text, to the end.
   */
  keepMetadata?: boolean;
}

export async function inspectArtifact(shownPath: string, options: InspectOptions = {}): Promise<Inspection> {
  const filename = basename(shownPath);
  // Messages show the path as the user gave it; the file is opened by its absolute path.
  const path = resolve(options.cwd ?? process.cwd(), shownPath);
  const result: Inspection = { path: shownPath, filename, size: 0, errors: [], warnings: [] };
  try {
    result.size = (await stat(path)).size;
  } catch (err) {
    result.errors.push(`cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return result;
  }
  const parsed = parseDistFilename(filename);
  if (!parsed.ok) {
    result.errors.push(parsed.problem);
    return result;
  }
  if (result.size === 0) {
    result.errors.push('the file is empty');
    return result;
  }
  const dist = parsed.value;
  let metadataText: string;
  let metadataPath: string;
  let zip: ZipFacts | undefined;
  let contents: ArchiveContents = {};
  let sha256: string | undefined;
  try {
    // Independent reads of the same file: run them side by side.
    const [metadataFile, digest] = await Promise.all([
      readDistMetadata(path, dist, options.metadataSizeCap ?? METADATA_SIZE_CAP, options.budgetMs),
      options.digest ? sha256File(path) : Promise.resolve(undefined),
    ]);
    metadataText = metadataFile.text;
    metadataPath = metadataFile.path;
    zip = metadataFile.zip;
    contents = {
      ...(metadataFile.members ? { members: metadataFile.members } : {}),
      ...(metadataFile.entryPoints ? { entryPoints: metadataFile.entryPoints } : {}),
    };
    sha256 = digest;
  } catch (err) {
    if (err instanceof ArchiveProblem) {
      result.errors.push(err.message);
      return result;
    }
    const code = (err as NodeJS.ErrnoException).code;
    result.errors.push(`cannot read the file (${code ?? (err as Error).message})`);
    return result;
  }

  const rawMetadata = parseCoreMetadata(metadataText);
  // twine sends Name and Version trimmed (packaging strips them), and Gitea then accepts them: so do we,
  // and say so, since a 'Version: 1.0.0 ' with a trailing space is a build problem worth fixing.
  const metadata = trimIdentity(rawMetadata, (field) => result.warnings.push(`${metadataPath}: ${field} has whitespace around it: sent trimmed`));
  const own = validateMetadata(metadata);
  const named = validateAgainstFilename(metadata, dist);
  // Checked now, so that the member list is not kept past this file's inspection.
  const archive = archiveFindings(metadata, dist, filename, contents);
  result.errors.push(...own.errors.map((e) => `${metadataPath}: ${e}`), ...named.errors, ...archive.errors);
  result.warnings.push(...own.warnings.map((w) => `${metadataPath}: ${w}`), ...named.warnings);

  result.artifact = {
    path,
    filename,
    size: result.size,
    dist,
    filetype: dist.kind === 'wheel' ? 'bdist_wheel' : 'sdist',
    pyversion: dist.kind === 'wheel' ? dist.pythonTags.join('.') : 'source',
    name: metadata.single.name ?? dist.namePart,
    version: metadata.single.version ?? dist.version,
    metadata,
    metadataPath,
    pypiMetadataRefusals: [...[...own.pypi, ...named.pypi].map((r) => ({ ...r, reason: `${metadataPath}: ${r.reason}` })), ...archive.pypi],
  };
  if (sha256 !== undefined) result.artifact.sha256 = sha256;
  if (zip !== undefined) result.artifact.zip = zip;
  if (options.keepMetadata === false) return lean(result);
  return result;
}

/**
 * A string of its own: V8 keeps a substring (and a message built from one) as a view of the string
 * it was cut from, so one field kept from a METADATA would keep the whole text alive.
 */
const detach = (s: string): string => (s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8'));

/** The inspection with only the metadata a run that sends nothing uses (InspectOptions.keepMetadata). */
function lean(result: Inspection): Inspection {
  result.errors = result.errors.map(detach);
  result.warnings = result.warnings.map(detach);
  const a = result.artifact;
  if (!a) return result;
  const single: CoreMetadata['single'] = {};
  for (const key of ['name', 'version', 'metadata_version'] as const) {
    const value = a.metadata.single[key];
    if (value !== undefined) single[key] = detach(value);
  }
  a.metadata = { single, multi: {}, unknownHeaders: [], problems: [] };
  a.name = detach(a.name);
  a.version = detach(a.version);
  a.metadataPath = detach(a.metadataPath);
  a.pypiMetadataRefusals = a.pypiMetadataRefusals.map((r) => ({ ...r, reason: detach(r.reason), ...(r.fix !== undefined ? { fix: detach(r.fix) } : {}) }));
  return result;
}

function trimIdentity(meta: CoreMetadata, warn: (field: string) => void): CoreMetadata {
  const single = { ...meta.single };
  for (const key of ['name', 'version'] as const) {
    const value = single[key];
    if (value !== undefined && value !== value.trim() && value.trim() !== '') {
      single[key] = value.trim();
      warn(key === 'name' ? 'Name' : 'Version');
    }
  }
  return { ...meta, single };
}

/** Upload order: wheels before sdists (as twine and uv do), then by file name. */
export function uploadOrder<T extends { filename: string }>(items: readonly T[]): T[] {
  const rank = (f: string) => (f.toLowerCase().endsWith('.whl') ? 0 : 1);
  return [...items].sort((a, b) => rank(a.filename) - rank(b.filename) || byName(a.filename, b.filename));
}
