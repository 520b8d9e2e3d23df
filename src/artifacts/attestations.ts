/**
 * PEP 740 attestations: `<dist file name>.<kind>.attestation` beside a distribution (e.g.
 * `foo-1.0.tar.gz.publish.attestation`), sent with it as twine's --attestations does: the form field
 * `attestations` holds a JSON array of the files' objects. Each file must be JSON; with
 * `required` (the --attestations flag) a distribution without one is an error.
 */
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Inspection } from './artifact.js';
import { byName } from '../util/text.js';

export interface AttestationOptions {
  required: boolean;
  /** What the companions' relative paths are relative to. */
  cwd?: string;
}

export async function attachAttestations(
  inspections: readonly Inspection[],
  companions: ReadonlyArray<{ path: string; kind: string }>,
  options: AttestationOptions,
): Promise<void> {
  const files = companions.filter((c) => c.kind === 'attestation');
  for (const inspection of inspections) {
    const artifact = inspection.artifact;
    if (!artifact) continue;
    const mine = files.filter((c) => basename(c.path).startsWith(`${artifact.filename}.`)).sort((a, b) => byName(a.path, b.path));
    if (mine.length === 0) {
      if (options.required) inspection.errors.push(`no attestation beside it (expected ${artifact.filename}.publish.attestation; --attestations asks for one)`);
      continue;
    }
    const parsed: unknown[] = [];
    for (const companion of mine) {
      try {
        parsed.push(JSON.parse(await readFile(resolve(options.cwd ?? process.cwd(), companion.path), 'utf8')) as unknown);
      } catch (err) {
        const why = err instanceof SyntaxError ? 'invalid JSON' : `cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
        inspection.errors.push(`attestation ${basename(companion.path)}: ${why}`);
      }
    }
    if (parsed.length === mine.length) artifact.attestations = JSON.stringify(parsed);
  }
}
