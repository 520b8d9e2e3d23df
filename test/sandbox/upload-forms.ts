/** Helpers for the registry-double tests: twine-like multipart forms sent with Node's fetch. */
import { Blob } from 'node:buffer';

import { sha256Hex, type BuiltArtifact } from '../helpers/registries/index.js';

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export interface FormSpec {
  fields: Array<[string, string]>;
  file?: { filename: string; content: Buffer; type?: string };
}

/** Fields twine sends for an artifact (name/version given explicitly; digests computed unless overridden). */
export function twineFields(
  artifact: BuiltArtifact,
  meta: { name: string; version: string; requiresPython?: string },
  overrides: Record<string, string | null> = {},
): FormSpec {
  const isWheel = artifact.filename.endsWith('.whl');
  const base: Record<string, string> = {
    ':action': 'file_upload',
    protocol_version: '1',
    metadata_version: '2.1',
    name: meta.name,
    version: meta.version,
    filetype: isWheel ? 'bdist_wheel' : 'sdist',
    pyversion: isWheel ? 'py3' : 'source',
    sha256_digest: sha256Hex(artifact.content),
    requires_python: meta.requiresPython ?? '',
  };
  const fields: Array<[string, string]> = [];
  for (const [k, v] of Object.entries({ ...base, ...overrides })) if (v !== null) fields.push([k, v]);
  return { fields, file: { filename: artifact.filename, content: artifact.content } };
}

export function toFormData(spec: FormSpec): FormData {
  const fd = new FormData();
  for (const [k, v] of spec.fields) fd.append(k, v);
  if (spec.file) fd.append('content', new Blob([spec.file.content], { type: spec.file.type ?? 'application/octet-stream' }), spec.file.filename);
  return fd;
}

export async function post(url: string, spec: FormSpec, headers: Record<string, string> = {}): Promise<{ res: Response; text: string }> {
  const res = await fetch(url, { method: 'POST', body: toFormData(spec), headers, redirect: 'manual' });
  return { res, text: await res.text() };
}
