/**
 * The machine-readable report (`--json`): defined once as a zod schema, used to build the document
 * and, in tests, to validate it. Bump REPORT_FORMAT when a field changes meaning or disappears.
 */
import { z } from 'zod';
import { isFailure, targetCounts, type PublishReport } from '../outcome/model.js';
import { VERSION } from '../version.js';

export const REPORT_FORMAT = 1;

const fileStatus = z.union([
  z.enum([
    'uploaded',
    'already_present',
    'conflict',
    'failed_network',
    'not_attempted',
    'skipped_unsupported',
    'would_upload',
    'missing_from_index',
    'interrupted',
  ]),
  z.string().regex(/^failed_http_\d{3}$/),
]);
const targetStatus = z.union([
  z.enum([
    'success',
    'partial',
    'skipped_unsupported',
    'skipped_no_token',
    'failed_network',
    'conflict',
    'not_attempted',
    'dry_run',
    'missing_from_index',
    'interrupted',
  ]),
  z.string().regex(/^failed_http_\d{3}$/),
]);

export const FileResultSchema = z.object({
  filename: z.string(),
  status: fileStatus,
  detail: z.string().optional(),
  hint: z.string().optional(),
  httpStatus: z.number().int().optional(),
  attempts: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
});

export const TargetReportSchema = z.object({
  id: z.string(),
  label: z.string(),
  where: z.string(),
  policy: z.enum(['required', 'best-effort']),
  uploadUrl: z.string(),
  indexUrl: z.string(),
  credentials: z.enum(['present', 'missing']),
  status: targetStatus,
  detail: z.string().optional(),
  hint: z.string().optional(),
  counts: z.object({ uploaded: z.number().int(), alreadyPresent: z.number().int(), failed: z.number().int(), skipped: z.number().int() }),
  files: z.array(FileResultSchema),
  durationMs: z.number().nonnegative(),
});

export const JsonReportSchema = z.object({
  reportFormat: z.literal(REPORT_FORMAT),
  tool: z.object({ name: z.literal('molecule-publish'), version: z.string() }),
  dryRun: z.boolean(),
  published: z.boolean(),
  exitCode: z.number().int(),
  headline: z.string(),
  startedAt: z.string(),
  durationMs: z.number().nonnegative(),
  files: z.array(
    z.object({
      filename: z.string(),
      name: z.string(),
      version: z.string(),
      type: z.enum(['wheel', 'sdist']),
      size: z.number().int().nonnegative(),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .optional(),
      warnings: z.array(z.string()),
    }),
  ),
  targets: z.array(TargetReportSchema),
  errors: z.array(z.string()),
});

export type JsonReport = z.infer<typeof JsonReportSchema>;

export function toJsonReport(report: PublishReport, extra: { headline: string; startedAt: Date }): JsonReport {
  return JsonReportSchema.parse({
    reportFormat: REPORT_FORMAT,
    tool: { name: 'molecule-publish', version: VERSION },
    dryRun: report.dryRun,
    published: !report.dryRun && report.exitCode === 0,
    exitCode: report.exitCode,
    headline: extra.headline,
    startedAt: extra.startedAt.toISOString(),
    durationMs: report.durationMs,
    files: report.files.map((f) => ({
      filename: f.filename,
      name: f.name,
      version: f.version,
      type: f.filetype === 'bdist_wheel' ? 'wheel' : 'sdist',
      size: f.size,
      ...(f.sha256 ? { sha256: f.sha256 } : {}),
      warnings: f.warnings,
    })),
    targets: report.targets.map((t) => ({ ...t, counts: targetCounts(t.files) })),
    errors: report.targets.flatMap((t) => t.files.filter((f) => isFailure(f.status)).map((f) => `${t.label}: ${f.filename}: ${f.detail ?? f.status}`)),
  });
}

/** For runs that stop before a report exists (exit 2 or 3): the same document, errors only. */
export function errorJsonReport(errors: string[], exitCode: number, startedAt: Date, dryRun: boolean): JsonReport {
  return JsonReportSchema.parse({
    reportFormat: REPORT_FORMAT,
    tool: { name: 'molecule-publish', version: VERSION },
    dryRun,
    published: false,
    exitCode,
    headline: errors[0] ?? 'failed',
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    files: [],
    targets: [],
    errors,
  });
}
