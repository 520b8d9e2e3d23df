/**
 * Warehouse's classifier check: warehouse/forklift/metadata.py `_validate_metadata` (pypi/warehouse
 * 6b62157124ab7865029afeeadf282bce27d601d9, 2026-08-21; the file as of d39a5d1), which checks `metadata.classifiers`
 * against trove_classifiers `all_classifiers` (the valid ones plus the deprecated ones), then refuses deprecated ones
 * (except on backfill, which uploads never are). The list is ./trove-classifiers.ts, generated.
 */
import { pyCompare, pyListRepr, pyRepr } from './python-repr.js';
import { CLASSIFIERS, DEPRECATED_CLASSIFIERS } from './trove-classifiers.js';

/** The classifiers that replace a deprecated one (possibly none), or undefined when `classifier` is not deprecated. */
export function deprecatedClassifier(classifier: string): readonly string[] | undefined {
  return Object.hasOwn(DEPRECATED_CLASSIFIERS, classifier) ? DEPRECATED_CLASSIFIERS[classifier] : undefined;
}

/** In trove_classifiers `all_classifiers`: valid, or deprecated (which has its own message). */
export function isKnownClassifier(classifier: string, valid: ReadonlySet<string> = CLASSIFIERS): boolean {
  return valid.has(classifier) || deprecatedClassifier(classifier) !== undefined;
}

/**
 * Warehouse's messages for `classifiers`, in its order: each unknown classifier (`'X' is not a valid classifier.`),
 * then each deprecated one (`The classifier 'X' has been deprecated, use one of ['Y'] instead.`, or
 * `The classifier 'X' has been deprecated.` when nothing replaces it); each group deduplicated and sorted as Python
 * sorts str. `valid` replaces the generated list of valid classifiers (the deprecated ones stay known).
 *
 * ```python
 * errors.extend(
 *     InvalidMetadata("classifier", f"{c!r} is not a valid classifier.")
 *     for c in sorted(set(metadata.classifiers or []) - set(all_classifiers))
 * )
 * if not backfill:
 *     for classifier in sorted(set(metadata.classifiers or []) & deprecated_classifiers.keys()):
 *         deprecated_by = deprecated_classifiers[classifier]
 *         if deprecated_by:
 *             errors.append(InvalidMetadata("classifier", f"The classifier {classifier!r} has been deprecated, "
 *                                                         f"use one of {deprecated_by} instead."))
 *         else:
 *             errors.append(InvalidMetadata("classifier", f"The classifier {classifier!r} has been deprecated."))
 * ```
 */
export function classifierRefusals(classifiers: readonly string[], valid: ReadonlySet<string> = CLASSIFIERS): string[] {
  const unique = [...new Set(classifiers)].sort(pyCompare);
  const refusals = unique.filter((c) => !isKnownClassifier(c, valid)).map((c) => `${pyRepr(c)} is not a valid classifier.`);
  for (const c of unique) {
    const by = deprecatedClassifier(c);
    if (by === undefined) continue;
    refusals.push(
      by.length ? `The classifier ${pyRepr(c)} has been deprecated, use one of ${pyListRepr(by)} instead.` : `The classifier ${pyRepr(c)} has been deprecated.`,
    );
  }
  return refusals;
}
