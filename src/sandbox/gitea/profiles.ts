/**
 * The Gitea double's server profiles: the versions met in the field (Gitea 1.17–1.18, 1.19–1.21, ≥1.22 and
 * Forgejo) and every way they differ, each read from the server's own source and cited next to its entry.
 * The list of profile names lives in ../profiles.ts (no imports, so the command line can offer it cheaply).
 */
import { GITEA_PROFILES, type GiteaProfile } from '../profiles.js';

// Sources (read with git from mirrors that carry the upstream tags):
//   Gitea:   go-gitea/gitea via the GitHub fork AlexMikhalev/gitea, tags v1.18.5 (48eb5ac6856a), v1.21.11
//            (acdcfcc6ebfe), v1.22.0 (803b0c9ab43f), v1.22.6 (8eefa1f6dedf); PR numbers as merged upstream.
//   Forgejo: forgejo/forgejo via the GitHub mirror rohitkumarankam/forgejo, tag v15.0.3 (f6d4219f10a2), the newest
//            release in that mirror.
// A profile reproduces the newest patch release of its range: '1.17' = v1.18.5, '1.19' = v1.21.11,
// '1.22' = v1.22.6 (its PyPI handler and template equal v1.22.0), 'forgejo' = v15.0.3. Known in-range differences
// that the profiles do not model: 1.17.0–1.17.2 had a lowercase-only name regex and a strict version regex
// (relaxed by #21095 in 1.17.3 and #21690 in 1.17.4); 1.17.x never answered 401 for bad credentials (auth
// methods returned no errors, services/auth/group.go v1.17.4); 1.19.x still rendered `<br/>`, listed versions
// newest first, and treated a bad `token`/`Bearer` header as anonymous (fixed in 1.20.0 by #23748, #23550, #25701).

export { GITEA_PROFILES, type GiteaProfile };

export interface GiteaProfileBehaviour {
  label: string;
  /** Release whose source the profile reproduces. */
  source: string;
  /** Separator in the index link fragment: `#sha256-HEX` or `#sha256=HEX`. */
  fragmentSeparator: '-' | '=';
  /** Tag after each link. */
  lineBreak: '<br/>' | '<br>';
  /** simple.tmpl's `{{- /* PEP 503 … *\/ -}}` comment removes the whitespace between `<body>` and `<h1>`. */
  trimBodyWhitespace: boolean;
  /** Order of versions on the simple page: plain string compare, or newest first (`created_unix DESC`). */
  versionOrder: 'string' | 'newest-first';
  /** Answer to a second file with the same (version, lower-cased filename). Written by `apiError` (no newline). */
  duplicate: { status: number; body: string };
  /**
   * How `quotaBytes` is enforced. 'none': no limits exist. 'gitea': LIMIT_TOTAL_OWNER_SIZE, used + upload > limit →
   * 403 via `apiError`, admins exempt, checked after the form (before the duplicate check). 'forgejo': quota groups,
   * used ≥ limit → 413 via `ctx.Error` (body ends in "\n"), nobody exempt, checked before the handler reads the form.
   */
  quota: { kind: 'none' } | { kind: 'gitea' | 'forgejo'; status: number; body: string };
  /** LIMIT_SIZE_PYPI exists (`maxFileBytes` → 403 `maximum allowed package type size exceeded`). */
  typeSizeLimit: boolean;
  /** Bad credentials → 401 `authGroup.Verify\n`: for every method, or for Basic only (a bad token header is anonymous). */
  badCredentials: 'all' | 'basic-only';
  /** Personal access tokens carry scopes that `reqPackageAccess` checks. */
  tokenScopes: boolean;
  /** A `public-only` token on a private owner → 403 `reqToken\n`. */
  publicOnlyScope: boolean;
  /** Actions task tokens exist (Gitea Actions). */
  actionsTokens: boolean;
  /** `/api/v1/packages/...` needs a token (`reqToken`); without it anonymous reads of public owners pass. */
  managementRequiresToken: boolean;
}

const QUOTA_GITEA = { kind: 'gitea', status: 403, body: 'maximum allowed package storage quota exceeded' } as const;

/**
 * Per-profile behaviour, each entry with the source it was read from (file path at the profile's tag; PR that
 * introduced the behaviour). Paths are go-gitea/gitea unless marked Forgejo.
 */
export const GITEA_PROFILE_BEHAVIOUR: Readonly<Record<GiteaProfile, Readonly<GiteaProfileBehaviour>>> = {
  '1.17': {
    label: 'Gitea 1.17–1.18',
    source: 'go-gitea/gitea v1.18.5',
    // templates/api/packages/pypi/simple.tmpl @ v1.18.5 (unchanged since v1.17.0): `#sha256-{{.Blob.HashSHA256}}`, `<br/>`.
    fragmentSeparator: '-',
    lineBreak: '<br/>',
    trimBodyWhitespace: false,
    // routers/api/packages/pypi/pypi.go @ v1.18.5 PackageMetadata does not sort; models/packages/package_version.go
    // @ v1.18.5 SearchVersions default order is `package_version.created_unix DESC`. String sort came with #23550 (1.20.0).
    versionOrder: 'newest-first',
    // models/packages/package_file.go @ v1.18.5: ErrDuplicatePackageFile = errors.New("Package file does exist already");
    // routers/api/packages/pypi/pypi.go @ v1.18.5 → apiError(ctx, http.StatusBadRequest, err). Text changed by #22268 (1.19.0).
    duplicate: { status: 400, body: 'Package file does exist already' },
    // services/packages/packages.go @ v1.18.5 has no quota checks; they came with #21584 (first tag v1.19.0-rc0).
    quota: { kind: 'none' },
    typeSizeLimit: false,
    // routers/api/packages/api.go @ v1.18.5: Verify error → ctx.Error(401, "authGroup.Verify"); services/auth/basic.go
    // returns errors, services/auth/oauth2.go @ v1.18.5 returns (nil, nil) for an unknown token (anonymous) until #25701 (1.20.0).
    badCredentials: 'basic-only',
    // routers/api/packages/api.go @ v1.18.5 reqPackageAccess checks the access mode only; token scopes came in 1.19.
    tokenScopes: false,
    publicOnlyScope: false,
    // Gitea Actions (and its task tokens) first shipped in 1.19.
    actionsTokens: false,
    // routers/api/v1/api.go @ v1.18.5: `/packages/{username}` routes have no reqToken().
    managementRequiresToken: false,
  },
  '1.19': {
    label: 'Gitea 1.19–1.21',
    source: 'go-gitea/gitea v1.21.11',
    // templates/api/packages/pypi/simple.tmpl @ v1.21.11: `#sha256-…`, `<br>` (self-close removed by #23748, 1.20.0).
    fragmentSeparator: '-',
    lineBreak: '<br>',
    trimBodyWhitespace: false,
    // routers/api/packages/pypi/pypi.go @ v1.21.11: sort.Slice by strings.Compare of the version (#23550).
    versionOrder: 'string',
    // models/packages/package_file.go @ v1.21.11: util.NewAlreadyExistErrorf("package file already exists");
    // pypi.go @ v1.21.11 → apiError(ctx, http.StatusBadRequest, err). PR #27480 (409) is not in any v1.21.x tag.
    duplicate: { status: 400, body: 'package file already exists' },
    // services/packages/packages.go @ v1.21.11 ErrQuotaTotalSize / ErrQuotaTypeSize; pypi.go → apiError(403, err) (#21584).
    quota: QUOTA_GITEA,
    typeSizeLimit: true,
    // services/auth/oauth2.go @ v1.21.11: unknown token → user_model.ErrUserNotExist{} (#25701, 1.20.0) → 401 authGroup.Verify.
    badCredentials: 'all',
    // routers/api/packages/api.go @ v1.21.11 reqPackageAccess: ApiTokenScope.HasScope(read:package / write:package).
    tokenScopes: true,
    publicOnlyScope: false,
    actionsTokens: true,
    // routers/api/v1/api.go @ v1.21.11: m.Get("/files", reqToken(), packages.ListPackageFiles).
    managementRequiresToken: true,
  },
  '1.22': {
    label: 'Gitea ≥1.22',
    source: 'go-gitea/gitea v1.22.6',
    // templates/api/packages/pypi/simple.tmpl @ v1.22.0: `#sha256={{.Blob.HashSHA256}}` (#30594) and the
    // `{{- /* PEP 503 – Simple Repository API … */ -}}` comment between `<body>` and `<h1>`.
    fragmentSeparator: '=',
    lineBreak: '<br>',
    trimBodyWhitespace: true,
    versionOrder: 'string',
    // routers/api/packages/pypi/pypi.go @ v1.22.0: ErrDuplicatePackageFile → apiError(ctx, http.StatusConflict, err) (#27480).
    duplicate: { status: 409, body: 'package file already exists' },
    quota: QUOTA_GITEA,
    typeSizeLimit: true,
    badCredentials: 'all',
    tokenScopes: true,
    // routers/api/packages/api.go reqPackageAccess: public-only token on a private owner → 403 reqToken (#32204, 1.22.3).
    publicOnlyScope: true,
    actionsTokens: true,
    managementRequiresToken: true,
  },
  forgejo: {
    label: 'Forgejo (recent)',
    source: 'forgejo/forgejo v15.0.3',
    // Forgejo templates/api/packages/pypi/simple.tmpl @ v15.0.3: `#sha256=` (Forgejo commit 303b95a1c1, 2024-04-12,
    // already in v7.0.0), `<br>`, and none of Gitea 1.22's whitespace-trimming comment.
    fragmentSeparator: '=',
    lineBreak: '<br>',
    trimBodyWhitespace: false,
    // Forgejo routers/api/packages/pypi/pypi.go @ v15.0.3: sort.Slice by strings.Compare of the version.
    versionOrder: 'string',
    // Forgejo models/packages/package_file.go @ v15.0.3 ("package file already exists"); pypi.go → http.StatusConflict.
    duplicate: { status: 409, body: 'package file already exists' },
    // Forgejo routers/api/packages/api.go @ v15.0.3 enforcePackagesQuota (route middleware before pypi.UploadPackageFile):
    // ctx.Error(http.StatusRequestEntityTooLarge, "enforcePackagesQuota", "quota exceeded"); models/quota/rule.go
    // Evaluate: allow = used < limit (the upload's own size is not counted). Added in Forgejo v9.0 (67fa52dedb);
    // evaluated for the package owner since v15.0.0 (#11442), for the uploader before.
    quota: { kind: 'forgejo', status: 413, body: 'enforcePackagesQuota\n' },
    // Forgejo services/packages/packages.go @ v15.0.3 keeps Gitea's CheckSizeQuotaExceeded (LIMIT_SIZE_PYPI → 403).
    typeSizeLimit: true,
    // Forgejo routers/api/packages/api.go @ v15.0.3 verifyAuth: AuthenticationAttemptedIncorrectCredential → 401 "authGroup.Verify".
    badCredentials: 'all',
    tokenScopes: true,
    // Forgejo routers/api/packages/api.go @ v15.0.3 reqPackageAccess: publicOnly && private owner → 403 "reqToken".
    publicOnlyScope: true,
    actionsTokens: true,
    managementRequiresToken: true,
  },
};

/** Short human label of a profile, e.g. `Gitea 1.17–1.18`. */
export function giteaProfileLabel(profile: GiteaProfile): string {
  return GITEA_PROFILE_BEHAVIOUR[profile].label;
}
