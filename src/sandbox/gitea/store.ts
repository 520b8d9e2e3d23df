/**
 * The Gitea double's storage: packages (by lower-cased stored name) → versions (by lower-cased version) → files,
 * the way Gitea's package tables key them. In memory; nothing here checks anything.
 */
import { createHash } from 'node:crypto';
import { sha256Hex } from '../digests.js';
import type { RegistryFile } from '../registry.js';

export interface GFile {
  id: number;
  filename: string;
  bytes: Buffer;
  size: number;
  sha256: string;
  /** When it was stored (ms since the epoch): a lagging listing (options.listingLagMs) hides it until later. */
  storedAt: number;
  /** md5/sha1/sha512 hex, computed on first use (only the /api/v1 file list needs them; keeps seeding cheap). */
  other?: { md5: string; sha1: string; sha512: string };
}

export interface GVersion {
  version: string;
  metadata: Record<string, string>;
  files: GFile[];
  downloads: number;
}

export interface GPackage {
  name: string;
  versions: Map<string, GVersion>; // key: lower-cased version
  /** The repository it is linked to (package.repo_id), see link-api.ts. */
  repo?: string;
}

/** Gitea's PyPI name normaliser: every `.` and `_` becomes `-`; case kept, runs not collapsed. */
export function giteaNormalizeName(name: string): string {
  return name.replace(/[._]/g, '-');
}

export function otherHashes(f: GFile): { md5: string; sha1: string; sha512: string } {
  f.other ??= {
    md5: createHash('md5').update(f.bytes).digest('hex'),
    sha1: createHash('sha1').update(f.bytes).digest('hex'),
    sha512: createHash('sha512').update(f.bytes).digest('hex'),
  };
  return f.other;
}

/**
 * The files a read sees: all of them, or with a lagging listing (a cache in front of Gitea, a database
 * replica behind its primary: GiteaRegistryOptions.listingLagMs) those stored at least that long ago.
 */
export function listedFiles(files: readonly GFile[], lagMs: number | undefined, now = Date.now()): GFile[] {
  return lagMs ? files.filter((f) => now - f.storedAt >= lagMs) : [...files];
}

/** The metadata of a version row written without a form (seeded files). */
export function emptyMetadata(requiresPython: string): Record<string, string> {
  return { author: '', description: '', long_description: '', summary: '', project_url: '', license: '', requires_python: requiresPython };
}

export class GiteaStore {
  private readonly packages = new Map<string, GPackage>(); // key: lower-cased stored name
  private nextFileId = 1;

  /** A package by its stored name, any case (callers normalise with {@link giteaNormalizeName} where Gitea does). */
  get(name: string): GPackage | undefined {
    return this.packages.get(name.toLowerCase());
  }

  /** Bytes stored for the owner (the only owner), for the quota checks. */
  ownerBytes(): number {
    let n = 0;
    for (const p of this.packages.values()) for (const v of p.versions.values()) for (const f of v.files) n += f.size;
    return n;
  }

  add(name: string, version: string, filename: string, bytes: Buffer, metadata: Record<string, string>): void {
    let pkg = this.packages.get(name.toLowerCase());
    if (!pkg) {
      pkg = { name, versions: new Map() };
      this.packages.set(name.toLowerCase(), pkg);
    }
    let ver = pkg.versions.get(version.toLowerCase());
    if (!ver) {
      // The version row (and with it requires_python, summary, …) is written by the first upload only.
      ver = { version, metadata, files: [], downloads: 0 };
      pkg.versions.set(version.toLowerCase(), ver);
    }
    ver.files.push({ id: this.nextFileId++, filename, bytes, size: bytes.length, sha256: sha256Hex(bytes), storedAt: Date.now() });
  }

  /** Deletes a version, and its package with its last version. */
  deleteVersion(name: string, version: string): void {
    const pkg = this.packages.get(name.toLowerCase());
    if (!pkg) return;
    pkg.versions.delete(version.toLowerCase());
    if (pkg.versions.size === 0) this.packages.delete(name.toLowerCase());
  }

  files(): RegistryFile[] {
    const out: RegistryFile[] = [];
    for (const pkg of this.packages.values()) {
      for (const v of pkg.versions.values()) {
        for (const f of v.files) {
          const rf: RegistryFile = { filename: f.filename, project: pkg.name, version: v.version, sha256: f.sha256, size: f.size };
          if (v.metadata['requires_python']) rf.requiresPython = v.metadata['requires_python'];
          out.push(rf);
        }
      }
    }
    return out;
  }

  fileContent(filename: string): Buffer | undefined {
    for (const pkg of this.packages.values()) {
      for (const v of pkg.versions.values()) {
        const f = v.files.find((x) => x.filename.toLowerCase() === filename.toLowerCase());
        if (f) return f.bytes;
      }
    }
    return undefined;
  }
}
