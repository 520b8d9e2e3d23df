/**
 * The dry run's look at a target: its index read (GET only), and per file what a real run would do —
 * `already_present`, `conflict`, or `would_upload` — so a maintainer sees, before a manual re-publish,
 * what each registry already has. An index that cannot be read is said once; the plan then assumes
 * nothing is there.
 */
import type { Artifact } from '../artifacts/artifact.js';
import type { IndexLookup } from '../http/index-reader.js';
import type { FileResult } from '../outcome/model.js';
import { mapLimited } from '../util/concurrency.js';
import { fileResult, poolFor, type Context, type EngineDeps, type EngineOptions, type TargetPlan } from './context.js';
import { compare, conflictResult, lookup, releaseTooOld } from './index-view.js';

export interface IndexPlan {
  files: Map<string, FileResult>;
  /** Why the index could not be read (the plan then says would_upload for every file). */
  unreadable?: string;
}

export async function planAgainstIndex(plan: TargetPlan, artifacts: readonly Artifact[], options: EngineOptions, deps: EngineDeps): Promise<IndexPlan> {
  const { target } = plan;
  const files = new Map<string, FileResult>();
  if (!target.indexUrl) return { files };
  const pool = poolFor(options);
  const ctx: Context = {
    target,
    artifacts,
    sendAttestations: false,
    pool,
    options,
    deps,
    index: new Map(),
    digests: new Map(),
    references: [],
    referencePages: new Map(),
  };
  try {
    const wanted = artifacts.filter((a) => !plan.refusals.has(a.filename));
    const firstOfProject = new Map(wanted.map((a) => [target.kind.indexProjectName(a.name), a]));
    const pages = new Map<string, IndexLookup>();
    await mapLimited([...firstOfProject], options.concurrency, async ([project, artifact]) => {
      pages.set(project, await lookup(ctx, artifact, false));
    });
    const unreadable = [...pages.values()].find((p): p is Extract<IndexLookup, { kind: 'error' }> => p.kind === 'error');
    for (const artifact of wanted) {
      const page = pages.get(target.kind.indexProjectName(artifact.name)) ?? { kind: 'absent' };
      const state = await compare(ctx, page, artifact);
      if (state === 'same') files.set(artifact.filename, fileResult(artifact, 'already_present', { detail: 'identical file already in the index' }));
      else if (state === 'different') files.set(artifact.filename, conflictResult(ctx, artifact, page, 0, 0));
      else {
        const tooOld = releaseTooOld(ctx, page, artifact);
        if (tooOld) files.set(artifact.filename, fileResult(artifact, 'skipped_unsupported', { detail: tooOld.reason, hint: tooOld.fix }));
      }
    }
    return unreadable ? { files, unreadable: unreadable.message } : { files };
  } finally {
    pool.close();
  }
}
