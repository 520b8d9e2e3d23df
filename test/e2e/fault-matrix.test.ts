/**
 * The fault matrix: every transport and protocol fault, at the Gitea target and at the PyPI target
 * separately, against the core in-process (no CLI: faster, and the DNS case needs the `lookup` seam).
 *
 * Each case asserts the policy (a Gitea fault fails the run, exit 1, PyPI `not_attempted`; a PyPI
 * fault is reported and the run still exits 0), the statuses per target and per file, the one-line
 * message, how many upload requests were made (1 + retries for retryable faults that persist, 1 for
 * the others), and that no registry ever holds a file twice or holds bytes other than the local ones.
 */
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/settings.js';
import { prepare } from '../../src/prepare.js';
import { publish, type EngineEvent } from '../../src/publish.js';
import type { FileStatus, PublishReport, TargetReport, TargetStatus } from '../../src/outcome/model.js';
import { FIXTURES } from '../helpers/cli.js';
import { startGiteaRegistry, startPypiRegistry, type FaultPlan, type GiteaRegistry, type PypiRegistry, type Registry } from '../helpers/registries/index.js';
import { startRawUploadProxy, type RawFault } from '../helpers/raw-upload-proxy.js';

const WHEEL = 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl';
const SDIST = 'molecule_demo_hatch-2.0.0rc1.tar.gz';
const RETRIES = 2;
const ALL_ATTEMPTS = 1 + RETRIES;
const ENV = { MOLECULE_PYPI_GITEA_PUBLISHER_USER: 'publisher', MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: 'gitea-test-token', PYPI_TOKEN: 'pypi-test-token' };
const DNS_HOST = 'registry.invalid';

type Side = 'gitea' | 'pypi';

let dir: string;
const localSha = new Map<string, string>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'molecule-faults-'));
  for (const f of [WHEEL, SDIST]) {
    await copyFile(join(FIXTURES, f), join(dir, f));
    localSha.set(
      f,
      createHash('sha256')
        .update(await readFile(join(dir, f)))
        .digest('hex'),
    );
  }
});

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

// --- DNS: a lookup that fails every name, so no real query can happen ------------------------------

const lookupCalls: string[] = [];
const failingLookup: LookupFunction = (hostname, _options, callback) => {
  lookupCalls.push(hostname);
  const err: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    errno: -3008,
    syscall: 'getaddrinfo',
    hostname,
  });
  process.nextTick(() => callback(err, '', 0));
};

// --- Cases ------------------------------------------------------------------------------------------

interface Stage {
  side: Side;
  gitea: GiteaRegistry;
  pypi: PypiRegistry;
  faulted: Registry;
}

interface Arranged {
  /** Replaces the faulted target's URL: the Gitea base URL (owner kept) or the PyPI upload URL. */
  url?: string;
  /** Upload requests that reached the faulted side; undefined when nothing listens there. */
  uploads(): number | undefined;
}

interface Expected {
  /** The faulted target's two files (wheel first: wheels are uploaded before sdists). */
  files: [FileStatus, FileStatus];
  target: TargetStatus;
  /** The faulted target's one-line detail (after "<filename>: "); undefined when it succeeds. */
  detail?: RegExp;
  /** Upload requests at the faulted side (undefined: nothing listens, `attempts` says it). */
  uploads: number | undefined;
  /** Upload attempts recorded for the first file. */
  attempts: number;
  /** Does the faulted registry hold both files at the end? */
  stored: boolean;
}

interface Case {
  name: string;
  /** The case points the target at a made-up host name: the injected lookup must be the one used. */
  dns?: boolean;
  arrange(s: Stage): Promise<Arranged> | Arranged;
  expected: Expected;
  verify?: boolean;
  /** Names a real bug in src/: the case is expected to fail until it is fixed. */
  bug?: string;
  /** `slept`: each wait the engine asked for (the matrix's sleep returns at once). */
  check?(report: PublishReport, events: EngineEvent[], slept: number[]): void;
}

const recovers = (uploads: number, attempts: number): Expected => ({ files: ['uploaded', 'uploaded'], target: 'success', uploads, attempts, stored: true });
const fails = (status: FileStatus, detail: RegExp, uploads: number | undefined, attempts: number): Expected => ({
  files: [status, 'not_attempted'],
  target: status as TargetStatus,
  detail,
  uploads,
  attempts,
  stored: false,
});
const gaveUp = `\\(gave up after ${ALL_ATTEMPTS} attempts\\)$`;

const fault =
  (plan: FaultPlan) =>
  (s: Stage): Arranged => {
    s.faulted.injectFault(plan);
    return { uploads: () => s.faulted.uploads().length };
  };

const raw =
  (kind: RawFault) =>
  async (s: Stage): Promise<Arranged> => {
    const isUpload =
      s.side === 'gitea'
        ? (method: string, path: string) => method === 'POST' && /^\/api\/packages\/[^/]+\/pypi\/?$/.test(path)
        : (method: string, path: string) => method === 'POST' && path === '/legacy/';
    const proxy = await startRawUploadProxy(s.faulted.url, isUpload, kind);
    open.push(proxy);
    return { url: s.side === 'gitea' ? proxy.url : `${proxy.url}/legacy/`, uploads: () => proxy.uploads };
  };

const HTML_PAGE =
  '<!DOCTYPE html>\n<html>\n<head><title>Sign in - Corporate SSO</title></head>\n<body>\n<h1>Please sign in</h1>\n<form>…</form>\n</body>\n</html>\n';
const NGINX_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

function cases(side: Side): Case[] {
  const list: Case[] = [
    {
      name: 'connection refused (nothing listens on the port)',
      // Port 9 of the loopback (discard): nothing listens there. A registry closed for the purpose
      // could see its port taken by another test's server, the cases running side by side.
      arrange: async () => ({ url: side === 'gitea' ? 'http://127.0.0.1:9' : 'http://127.0.0.1:9/legacy/', uploads: () => undefined }),
      expected: fails('failed_network', new RegExp(`^connection refused ${gaveUp}`), undefined, ALL_ATTEMPTS),
    },
    {
      name: 'DNS failure (ENOTFOUND from the injected lookup; no real query)',
      dns: true,
      arrange: () => ({ url: side === 'gitea' ? `http://${DNS_HOST}:80` : `http://${DNS_HOST}:80/legacy/`, uploads: () => undefined }),
      expected: fails('failed_network', new RegExp(`^host name not found \\(DNS\\) ${gaveUp}`), undefined, ALL_ATTEMPTS),
    },
    {
      name: 'reset before the response, once',
      arrange: fault({ kind: 'reset-before-response' }),
      expected: recovers(3, 2),
    },
    {
      name: 'reset before the response, always',
      arrange: fault({ kind: 'reset-before-response', always: true }),
      expected: fails('failed_network', new RegExp(`^connection (reset by the server|closed unexpectedly) ${gaveUp}`), ALL_ATTEMPTS, ALL_ATTEMPTS),
    },
    {
      name: 'reset in the middle of the request body, once',
      arrange: fault({ kind: 'reset-mid-body' }),
      expected: recovers(3, 2),
    },
    {
      name: 'reset in the middle of the request body, always',
      arrange: fault({ kind: 'reset-mid-body', always: true }),
      expected: fails(
        'failed_network',
        new RegExp(`^connection (reset by the server|closed by the server while sending|closed unexpectedly) ${gaveUp}`),
        ALL_ATTEMPTS,
        ALL_ATTEMPTS,
      ),
    },
    {
      name: 'server stalls past the timeout, once',
      arrange: fault({ kind: 'stall', stallMs: 10_000 }),
      expected: recovers(3, 2),
    },
    {
      name: 'server stalls past the timeout, always',
      arrange: fault({ kind: 'stall', stallMs: 10_000, always: true }),
      expected: fails('failed_network', new RegExp(`^timed out waiting for the server ${gaveUp}`), ALL_ATTEMPTS, ALL_ATTEMPTS),
    },
  ];
  for (const status of [500, 502, 503]) {
    list.push(
      { name: `HTTP ${status} (empty body), once`, arrange: fault({ kind: 'status', status }), expected: recovers(3, 2) },
      {
        name: `HTTP ${status} (empty body), always`,
        arrange: fault({ kind: 'status', status, always: true }),
        expected: fails(`failed_http_${status}`, new RegExp(`^HTTP ${status} ${gaveUp}`), ALL_ATTEMPTS, ALL_ATTEMPTS),
      },
    );
  }
  list.push(
    {
      name: 'HTTP 502 with a multi-line HTML error page (nginx), always',
      arrange: fault({ kind: 'status', status: 502, body: NGINX_502, headers: { 'Content-Type': 'text/html' }, always: true }),
      expected: fails('failed_http_502', new RegExp(`^(502 )?Bad Gateway ${gaveUp}`), ALL_ATTEMPTS, ALL_ATTEMPTS),
    },
    {
      name: 'HTTP 500 after storing the file, once (the index must show it landed: no second upload)',
      arrange: fault({ kind: 'status-after-store' }),
      expected: recovers(2, 1),
    },
    {
      name: 'HTTP 429 with Retry-After: 1, once',
      arrange: fault({ kind: 'retry-after', retryAfterSeconds: 1 }),
      expected: recovers(3, 2),
      // Waited for by the engine (the wait itself is real in test/e2e/upload-faults.test.ts).
      check: (_report, events, slept) => {
        const retries = events.filter((e) => e.type === 'retry');
        expect(retries.map((e) => (e.type === 'retry' ? e.delayMs : undefined))).toEqual([1000]);
        expect(slept).toEqual([1000]);
      },
    },
  );
  for (const status of [301, 302, 307, 308]) {
    list.push({
      name: `HTTP ${status} redirect (never followed)`,
      arrange: fault({ kind: 'redirect', status }),
      expected: fails(
        `failed_http_${status}`,
        new RegExp(`redirected \\(HTTP ${status}\\) to http://127\\.0\\.0\\.1:\\d+/redirected/\\S+; uploads never follow redirects$`),
        1,
        1,
      ),
    });
  }
  // A 200 with an HTML page (a login portal, a proxy's error page) did not store anything.
  // Gitea answers 201 with an empty body, and a required target is always confirmed in the index:
  // the files must end up missing_from_index and the run must fail (exit 1), never "uploaded".
  if (side === 'gitea') {
    list.push({
      name: 'HTTP 200 with an HTML page instead of 201 (nothing stored)',
      arrange: fault({ kind: 'status', status: 200, body: HTML_PAGE, headers: { 'Content-Type': 'text/html; charset=utf-8' }, always: true }),
      // Gitea answers 201 with an empty body: a 200 page is someone else's answer. The first file fails
      // with the page's text, and nothing more is sent.
      expected: {
        files: ['failed_http_200', 'not_attempted'],
        target: 'failed_http_200',
        detail: /^unexpected HTTP 200 with a page \(.*Sign in - Corporate SSO.*\): not Gitea's answer to an upload, so nothing was stored$/,
        uploads: 1,
        attempts: 1,
        stored: false,
      },
    });
  } else {
    // PyPI's own success is a 200 with an (empty) HTML page, so the status cannot tell: only --verify can.
    list.push(
      {
        name: 'HTTP 200 with an HTML page, --verify: the index shows nothing was stored',
        arrange: fault({ kind: 'status', status: 200, body: HTML_PAGE, headers: { 'Content-Type': 'text/html; charset=utf-8' }, always: true }),
        verify: true,
        expected: {
          files: ['missing_from_index', 'missing_from_index'],
          target: 'missing_from_index',
          detail: /^accepted by the server but not listed in http:\/\/127\.0\.0\.1:\d+\/simple\/$/,
          uploads: 2,
          attempts: 1,
          stored: false,
        },
      },
      {
        name: 'HTTP 200 with an HTML page, no --verify: trusted like twine (reported uploaded, nothing stored)',
        arrange: fault({ kind: 'status', status: 200, body: HTML_PAGE, headers: { 'Content-Type': 'text/html; charset=utf-8' }, always: true }),
        expected: { files: ['uploaded', 'uploaded'], target: 'success', uploads: 2, attempts: 1, stored: false },
      },
    );
  }
  list.push(
    {
      name: 'empty 502 ended by closing the connection (no Content-Length), always',
      arrange: raw('empty-5xx-eof'),
      expected: fails('failed_http_502', new RegExp(`^HTTP 502 ${gaveUp}`), ALL_ATTEMPTS, ALL_ATTEMPTS),
    },
    {
      name: 'truncated response after the file was stored (Content-Length larger than the body, then close)',
      arrange: raw('truncated-after-store'),
      expected: recovers(2, 1),
    },
    {
      name: 'truncated 201 while nothing was stored, always',
      arrange: raw('truncated-unstored'),
      expected: fails('failed_network', new RegExp(`^connection closed unexpectedly ${gaveUp}`), ALL_ATTEMPTS, ALL_ATTEMPTS),
    },
    {
      name: 'an answer that is not HTTP at all, always',
      arrange: raw('not-http'),
      expected: fails('failed_network', new RegExp(`^the answer is not HTTP/1\\.1 \\(HPE_.*\\) ${gaveUp}`), ALL_ATTEMPTS, ALL_ATTEMPTS),
    },
  );
  return list;
}

// --- Assertions shared by every case -----------------------------------------------------------------

function statuses(t: TargetReport): FileStatus[] {
  return t.files.map((f) => f.status);
}

/** At most once per file, and only ever the local bytes (never a partial or foreign file). */
function expectSound(registry: Registry, label: string): void {
  const stored = registry.files();
  const names = stored.map((f) => f.filename);
  expect(new Set(names).size, `${label} holds a file twice: ${names.join(', ')}`).toBe(names.length);
  for (const f of stored) {
    expect(localSha.has(f.filename), `${label} holds an unexpected file ${f.filename}`).toBe(true);
    expect(f.sha256, `${label}: ${f.filename} differs from the local file`).toBe(localSha.get(f.filename));
  }
}

describe.each(['gitea', 'pypi'] as const)('fault at the %s target', (side) => {
  for (const c of cases(side)) {
    const run = c.bug ? it.fails : it;
    run(c.name, async () => {
      const gitea = await startGiteaRegistry();
      const pypi = await startPypiRegistry();
      open.push(gitea, pypi);
      const faulted: Registry = side === 'gitea' ? gitea : pypi;
      const healthy: Registry = side === 'gitea' ? pypi : gitea;
      const arranged = await c.arrange({ side, gitea, pypi, faulted });
      const giteaUrl = side === 'gitea' && arranged.url ? arranged.url : gitea.url;
      const pypiUrl = side === 'pypi' && arranged.url ? arranged.url : pypi.uploadUrl;
      const settings = await resolveSettings({ paths: [dir], env: ENV, giteaUrl, giteaOwner: gitea.owner, pypiUrl, pyproject: false, allowHttp: true });
      const plan = await prepare(settings);

      lookupCalls.length = 0;
      const events: EngineEvent[] = [];
      // Retry delays and Retry-After are recorded, not waited for.
      const slept: number[] = [];
      const sleep = (ms: number): Promise<void> => {
        slept.push(ms);
        return Promise.resolve();
      };
      const report = await publish(
        {
          ...plan,
          engine: {
            concurrency: 4,
            retries: RETRIES,
            retryDelayMs: 5,
            maxRetryDelayMs: 2000,
            timeoutMs: 500,
            responseTimeoutMs: 500,
            verify: c.verify ?? false,
            verifyAttempts: 1,
            http: { lookup: failingLookup },
          },
        },
        { emit: (e) => events.push(e), sleep },
      );
      const e = c.expected;

      const [giteaReport, pypiReport] = report.targets;
      if (!giteaReport || !pypiReport) throw new Error('expected two target reports');
      const faultedReport = side === 'gitea' ? giteaReport : pypiReport;
      const healthyReport = side === 'gitea' ? pypiReport : giteaReport;
      expect(faultedReport.files.map((f) => f.filename)).toEqual([WHEEL, SDIST]);

      // Policy: exit code, and what the other target did.
      const giteaFailed = side === 'gitea' && e.target !== 'success';
      expect(report.exitCode).toBe(giteaFailed ? 1 : 0);
      if (giteaFailed) {
        expect(pypiReport.status).toBe('not_attempted');
        expect(statuses(pypiReport)).toEqual(['not_attempted', 'not_attempted']);
        expect(pypi.uploads()).toHaveLength(0);
        expect(pypi.requests).toHaveLength(0);
      } else {
        expect(healthyReport.status).toBe('success');
        expect(statuses(healthyReport)).toEqual(['uploaded', 'uploaded']);
        expect(healthy.uploads()).toHaveLength(2);
      }

      // The faulted target: statuses, attempts, the one-line message.
      expect({ target: faultedReport.status, files: statuses(faultedReport) }).toEqual({ target: e.target, files: e.files });
      expect(faultedReport.files[0]?.attempts).toBe(e.attempts);
      for (const t of report.targets) {
        for (const text of [t.detail, t.hint, ...t.files.flatMap((f) => [f.detail, f.hint])]) {
          if (text !== undefined) expect(text, 'one line').not.toMatch(/[\r\n]/);
        }
      }
      if (e.detail) {
        expect(faultedReport.detail).toBeDefined();
        const prefix = `${WHEEL}: `;
        expect(faultedReport.detail?.startsWith(prefix)).toBe(true);
        expect(faultedReport.detail?.slice(prefix.length)).toMatch(e.detail);
      } else {
        expect(faultedReport.detail).toBeUndefined();
      }
      if (e.files[1] === 'not_attempted') expect(faultedReport.files[1]?.detail).toBe(`stopped after ${WHEEL} failed`);

      // Requests: bounded retries, never a retry for a non-retryable answer.
      expect(arranged.uploads()).toBe(e.uploads);
      if (e.uploads === undefined) expect(faultedReport.files[0]?.attempts).toBe(ALL_ATTEMPTS);

      // Storage: at most once, never partial, never foreign.
      expectSound(gitea, 'Gitea');
      expectSound(pypi, 'PyPI');
      expect(
        faulted
          .files()
          .map((f) => f.filename)
          .sort(),
      ).toEqual(e.stored ? [SDIST, WHEEL].sort() : []);
      // Redirect targets are never contacted.
      expect(faulted.requests.some((r) => r.path.startsWith('/redirected'))).toBe(false);

      // DNS: the injected lookup was used (so no real query), and only for the made-up host.
      if (c.dns) {
        expect(lookupCalls.length).toBeGreaterThanOrEqual(ALL_ATTEMPTS);
        expect(new Set(lookupCalls)).toEqual(new Set([DNS_HOST]));
      } else {
        expect(lookupCalls).toEqual([]);
      }
      c.check?.(report, events, slept);
    });
  }
});
