/**
 * The kinds' storage: projects (by PEP 503 name) → files in upload order, with their bytes, sha256 and md5 (and,
 * for GitLab, the client's `sha256_digest`). In memory; nothing here checks anything.
 */
import { md5Hex, sha256Hex } from '../digests.js';
import type { RegistryFile } from '../registry.js';
import { pep503 } from './answers.js';

export interface KFile {
  filename: string;
  version: string;
  bytes: Buffer;
  sha256: string;
  md5: string;
  /** The `sha256_digest` form field as sent ('' when absent); GitLab lists this one. */
  formSha256: string;
  requiresPython: string;
}

export interface KProject {
  /** The name of the first upload, as sent. */
  name: string;
  files: KFile[];
}

export function newFile(filename: string, version: string, bytes: Buffer, requiresPython: string, formSha256?: string): KFile {
  const sha256 = sha256Hex(bytes);
  return { filename, version, bytes, sha256, md5: md5Hex(bytes), formSha256: formSha256 ?? sha256, requiresPython };
}

export class KindStore {
  private readonly projects = new Map<string, KProject>(); // key: PEP 503 name

  /** A project by its normalised name. */
  get(normalized: string): KProject | undefined {
    return this.projects.get(normalized);
  }

  all(): KProject[] {
    return [...this.projects.values()];
  }

  /** The stored file of this name (any project): what every kind's duplicate check looks for. */
  find(filename: string): { project: KProject; file: KFile } | undefined {
    for (const project of this.projects.values()) {
      const file = project.files.find((f) => f.filename === filename);
      if (file) return { project, file };
    }
    return undefined;
  }

  add(name: string, file: KFile): void {
    const key = pep503(name);
    let project = this.projects.get(key);
    if (!project) {
      project = { name, files: [] };
      this.projects.set(key, project);
    }
    project.files.push(file);
  }

  /** Replaces a stored file (same name) in place, keeping its position. */
  replace(filename: string, file: KFile): void {
    const found = this.find(filename);
    if (!found) return;
    const i = found.project.files.indexOf(found.file);
    found.project.files[i] = file;
  }

  files(): RegistryFile[] {
    return this.all().flatMap((p) =>
      p.files.map((f) => {
        const rf: RegistryFile = { filename: f.filename, project: p.name, version: f.version, sha256: f.sha256, size: f.bytes.length };
        if (f.requiresPython) rf.requiresPython = f.requiresPython;
        return rf;
      }),
    );
  }

  fileContent(filename: string): Buffer | undefined {
    const lower = filename.toLowerCase();
    for (const p of this.projects.values()) {
      const f = p.files.find((x) => x.filename.toLowerCase() === lower);
      if (f) return f.bytes;
    }
    return undefined;
  }
}
