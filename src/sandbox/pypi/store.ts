/**
 * The PyPI double's storage: projects (by PEP 503 name) → releases (by canonical version) → files with their md5,
 * sha256 and blake2b-256 digests (the last names the file's URL, like files.pythonhosted.org), plus the counters
 * Warehouse keeps: the event serial and the number of projects created. In memory; nothing here checks anything.
 */
import { createBLAKE2b, type IHasher } from 'hash-wasm';
import { md5Hex, sha256Hex } from '../digests.js';
import type { RegistryFile } from '../registry.js';
import { normalizePep503 } from './rules/names.js';
import type { Pep440Version } from './rules/pep440.js';

export type PackageType = 'sdist' | 'bdist_wheel';

export interface PFile {
  filename: string;
  bytes: Buffer;
  size: number;
  md5: string;
  sha256: string;
  blake2_256: string;
  packagetype: PackageType;
  /** File.upload_time (server_default now()): shown as PEP 700 `upload-time` on the JSON simple page. */
  uploadTime: Date;
}

export interface PRelease {
  version: string;
  requiresPython?: string;
  /**
   * Release.created (server_default now(), i.e. when its first file was uploaded): forklift/legacy.py `file_upload`
   * refuses new files once it is older than 14 days.
   */
  created: Date;
  files: PFile[];
}

export interface PProject {
  name: string;
  normalized: string;
  owner: string;
  releases: Map<string, PRelease>; // key: canonical version
}

export interface NewFile {
  /** The name as uploaded: it becomes the project's display name. */
  project: string;
  /** Owner of the project when this file creates it. */
  owner: string;
  /** null for a seeded version PEP 440 cannot parse (stored under its raw text). */
  version: Pep440Version | null;
  rawVersion: string;
  requiresPython: string | undefined;
  filename: string;
  bytes: Buffer;
  packagetype: PackageType;
  /** Default: now. Only seeding gives another (a release seeded in the past). */
  uploadTime?: Date;
}

/** Where the index links a file: `/packages/<b2[0:2]>/<b2[2:4]>/<b2[4:]>/<filename>` under `base`. */
export function fileUrl(base: string, f: PFile): string {
  return `${base}/packages/${f.blake2_256.slice(0, 2)}/${f.blake2_256.slice(2, 4)}/${f.blake2_256.slice(4)}/${encodeURIComponent(f.filename)}`;
}

export class PypiStore {
  private readonly projects = new Map<string, PProject>(); // key: normalised name
  /** New projects created by uploads (for `newProjectLimit`). */
  projectsCreated = 0;
  /** Warehouse's last event serial: one more per stored file. */
  serial = 0;

  private constructor(private readonly blake: IHasher) {}

  static async create(): Promise<PypiStore> {
    return new PypiStore(await createBLAKE2b(256));
  }

  blake2(data: Buffer): string {
    this.blake.init();
    this.blake.update(data);
    return this.blake.digest('hex');
  }

  get(normalized: string): PProject | undefined {
    return this.projects.get(normalized);
  }

  list(): PProject[] {
    return [...this.projects.values()];
  }

  *allFiles(): Generator<[PProject, PRelease, PFile]> {
    for (const p of this.projects.values()) for (const r of p.releases.values()) for (const f of r.files) yield [p, r, f];
  }

  /**
   * A project without files (a pending Trusted Publisher creates its project when it mints a token:
   * oidc/views.py `mint_token` → packaging/services.py `create_project`). Warehouse journals the creation; the
   * double counts it as one serial.
   */
  createProject(name: string, owner: string): PProject {
    const normalized = normalizePep503(name);
    let project = this.projects.get(normalized);
    if (!project) {
      project = { name, normalized, owner, releases: new Map() };
      this.projects.set(normalized, project);
      this.serial++;
    }
    return project;
  }

  add(file: NewFile): void {
    const normalized = normalizePep503(file.project);
    let project = this.projects.get(normalized);
    if (!project) {
      project = { name: file.project, normalized, owner: file.owner, releases: new Map() };
      this.projects.set(normalized, project);
    }
    project.name = file.project;
    const key = file.version?.canonical ?? file.rawVersion;
    const uploadTime = file.uploadTime ?? new Date();
    let release = project.releases.get(key);
    if (!release) {
      release = { version: file.version?.normalized ?? file.rawVersion, created: uploadTime, files: [] };
      if (file.requiresPython) release.requiresPython = file.requiresPython;
      project.releases.set(key, release);
    } else if (uploadTime < release.created) {
      release.created = uploadTime; // a file seeded further in the past than the release's first one
    }
    const { bytes } = file;
    release.files.push({
      filename: file.filename,
      bytes,
      size: bytes.length,
      md5: md5Hex(bytes),
      sha256: sha256Hex(bytes),
      blake2_256: this.blake2(bytes),
      packagetype: file.packagetype,
      uploadTime,
    });
    this.serial++;
  }

  files(): RegistryFile[] {
    return [...this.allFiles()].map(([p, r, f]) => {
      const rf: RegistryFile = { filename: f.filename, project: p.name, version: r.version, sha256: f.sha256, blake2_256: f.blake2_256, size: f.size };
      if (r.requiresPython) rf.requiresPython = r.requiresPython;
      return rf;
    });
  }

  fileContent(filename: string): Buffer | undefined {
    for (const [, , f] of this.allFiles()) if (f.filename.toLowerCase() === filename.toLowerCase()) return f.bytes;
    return undefined;
  }
}
