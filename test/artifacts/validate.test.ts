import { describe, expect, it } from 'vitest';
import { parseCoreMetadata } from '../../src/artifacts/metadata.js';
import { shown, validateAgainstFilename, validateMetadata, type Findings } from '../../src/artifacts/validate.js';
import { parseDistFilename, type DistFilename } from '../../src/artifacts/filename.js';

const OK_BASE = ['Metadata-Version: 2.1', 'Name: demo', 'Version: 1.0', 'Description-Content-Type: text/markdown'];

/** Validates `headers` (lines) plus a body; by default the minimal valid 2.1 header set comes first. */
function check(headers: readonly string[], { body = '# Demo\n', base = OK_BASE }: { body?: string; base?: readonly string[] } = {}): Findings {
  const overridden = new Set(headers.map((h) => h.slice(0, h.indexOf(':')).toLowerCase()));
  const kept = base.filter((h) => !overridden.has(h.slice(0, h.indexOf(':')).toLowerCase()));
  return validateMetadata(parseCoreMetadata(`${[...kept, ...headers].join('\n')}\n\n${body}`));
}

/** Every refusal, whoever makes it: errors (no target takes the file) and PyPI's alone. */
function refused(findings: Findings): string[] {
  return [...findings.errors, ...findings.pypi.map((r) => r.reason)];
}

function dist(filename: string): DistFilename {
  const parsed = parseDistFilename(filename);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value;
}

describe('validateMetadata', () => {
  it('accepts minimal valid metadata with no warnings', () => {
    expect(check([])).toEqual({ errors: [], warnings: [], pypi: [] });
  });

  // Rules by target: what only PyPI refuses is not an error (Gitea stores it, pip installs it).
  it.each([
    ['License-Expression under 2.1', ['License-Expression: MIT'], /hatchling 1\.27\+/],
    ['a Summary over 512 characters', [`Summary: ${'s'.repeat(513)}`], /shorten the summary/],
    ['License with License-Expression', ['Metadata-Version: 2.4', 'License: MIT', 'License-Expression: MIT'], /keep the SPDX expression/],
    ['a direct-URL requirement', ['Requires-Dist: pkg @ https://example.com/pkg.whl'], /released version/],
    ['a javascript: Project-URL', ['Project-URL: Home, javascript:alert(1)'], /https:\/\/ URLs/],
    ['an ftp Home-page', ['Home-page: ftp://example.com/'], /https:\/\/ URL/],
  ])('%s is refused by PyPI only, with a fix', (_what, headers, fix) => {
    const findings = check(headers);
    expect(findings.errors).toEqual([]);
    expect(findings.pypi).toHaveLength(1);
    expect(findings.pypi[0]?.fix).toMatch(fix);
  });

  it('requires Metadata-Version, Name and Version', () => {
    const findings = validateMetadata(parseCoreMetadata('Summary: nothing else\n\nbody\n'));
    expect(findings.errors).toEqual(["'metadata-version' is a required field", "'name' is a required field", "'version' is a required field"]);
  });

  // pip installs them and Gitea stores them: only packaging's list (PyPI, twine 6.1+) lacks them.
  it.each(['2.0', '3.0', '1.3', 'two'])('Metadata-Version %s is refused by PyPI only', (mv) => {
    const findings = check([`Metadata-Version: ${mv}`], { base: ['Name: demo', 'Version: 1.0'] });
    expect(findings.errors).toEqual([]);
    expect(findings.pypi[0]?.reason).toBe(`'${mv}' is not a valid metadata version (PyPI takes 1.0, 1.1, 1.2, 2.1, 2.2, 2.3, 2.4, 2.5)`);
  });

  it('a form feed in the description is no finding, and the description is there', () => {
    const meta = parseCoreMetadata('Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nDescription-Content-Type: text/x-rst\n\nPage one\n\u000c\nPage two\n');
    expect(meta.single.description).toBe('Page one\n\u000c\nPage two\n');
    expect(validateMetadata(meta)).toEqual({ errors: [], warnings: [], pypi: [] });
  });

  // packaging 26.2 (Warehouse's pin at 6b62157) refuses a Summary with a newline only; 26.3 counts a
  // form feed too, but PyPI does not run it yet: the double (packaging 26.2's rule) takes it.
  it.each(['\u000b', '\u000c', '\u001c', '\u0085'])('a Summary holding %j is no finding', (ch) => {
    expect(check([`Summary: one${ch}two`])).toEqual({ errors: [], warnings: [], pypi: [] });
  });

  it.each(['foo bar', '-foo', 'foo-', 'föö', '.x'])('refuses the project name %j', (name) => {
    expect(check([`Name: ${name}`]).errors).toEqual([
      `'${shown(name)}' is an invalid value for Name (letters, digits, '.', '_' and '-', starting and ending with a letter or digit)`,
    ]);
  });

  it.each(['1.0-', 'latest', '1.0.0.x'])('refuses the version %j', (version) => {
    expect(check([`Version: ${version}`]).errors).toEqual([`'${version}' is an invalid value for Version (not PEP 440)`]);
  });

  // The message is packaging's (and PyPI's), which names the field in lower case.
  describe('fields introduced after the declared metadata version', () => {
    it('refuses License-Expression under 2.1 (what hatchling 1.12 writes)', () => {
      expect(refused(check(['License-Expression: MIT']))).toEqual(['license-expression introduced in metadata version 2.4, not 2.1']);
    });

    it.each([
      ['2.1', 'Dynamic: Requires-Dist', 'dynamic introduced in metadata version 2.2, not 2.1'],
      ['1.2', 'Provides-Extra: cli', 'provides-extra introduced in metadata version 2.1, not 1.2'],
      ['1.0', 'Classifier: Framework :: Pytest', 'classifier introduced in metadata version 1.1, not 1.0'],
      ['1.1', 'Requires-Python: >=3.8', 'requires-python introduced in metadata version 1.2, not 1.1'],
      ['2.4', 'Import-Name: demo', 'import-name introduced in metadata version 2.5, not 2.4'],
    ])('under %s: %s', (mv, header, error) => {
      const base = [`Metadata-Version: ${mv}`, 'Name: demo', 'Version: 1.0'];
      expect(refused(check([header], { base }))).toEqual([error]);
    });

    it('lets setuptools write License-File under 2.1 (twine drops it instead of failing)', () => {
      expect(refused(check(['License-File: LICENSE']))).toEqual([]);
    });

    it('accepts every 2.4 field under 2.4', () => {
      const base = ['Metadata-Version: 2.4', 'Name: demo', 'Version: 1.0', 'Description-Content-Type: text/plain'];
      expect(refused(check(['License-Expression: MIT', 'License-File: LICENSE', 'Dynamic: Requires-Dist'], { base }))).toEqual([]);
    });
  });

  describe('Dynamic (PEP 643)', () => {
    const base = ['Metadata-Version: 2.2', 'Name: demo', 'Version: 1.0', 'Description-Content-Type: text/plain'];
    it.each(['Name', 'version', 'Metadata-Version'])('refuses %s as dynamic', (field) => {
      expect(refused(check([`Dynamic: ${field}`], { base }))).toEqual([`'${field}' is not allowed as a dynamic field`]);
    });
    it('refuses a field that does not exist', () => {
      expect(refused(check(['Dynamic: Favourite-Colour'], { base }))).toEqual(["'Favourite-Colour' is not a valid dynamic field"]);
    });
    it('accepts known fields in any case', () => {
      expect(refused(check(['Dynamic: Requires-Dist', 'Dynamic: classifier', 'Dynamic: LICENSE-FILE'], { base }))).toEqual([]);
    });
  });

  describe('Description-Content-Type', () => {
    it.each([
      'text/plain',
      'text/x-rst',
      'text/markdown',
      'TEXT/Markdown',
      'text/markdown; charset=UTF-8',
      'text/markdown; charset="UTF-8"; variant=GFM',
      'text/markdown; variant=CommonMark',
      'text/x-rst; charset=UTF-8',
    ])('accepts %j', (value) => {
      expect(refused(check([`Description-Content-Type: ${value}`]))).toEqual([]);
    });

    it.each([
      ['text/html', /use text\/plain, text\/x-rst or text\/markdown/],
      ['markdown', /use text\/plain, text\/x-rst or text\/markdown/],
      ['text/markdown; charset=latin-1', /charset must be UTF-8/],
      ['text/plain; charset=ISO-8859-1', /charset must be UTF-8/],
      ['text/markdown; variant=Foo', /Markdown variant must be GFM or CommonMark/],
      ['text/markdown; variant=gfm', /Markdown variant must be GFM or CommonMark/],
    ])('refuses %j', (value, problem) => {
      const errors = refused(check([`Description-Content-Type: ${value}`]));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(problem);
      expect(errors[0]).toContain(value);
    });
  });

  it('refuses a Summary on more than one line (packaging, PyPI)', () => {
    expect(refused(check(['Summary: first line', '  second line']))).toEqual(['Summary must be a single line']);
  });

  it('refuses an extra that is not a valid name (PEP 685)', () => {
    expect(refused(check(['Provides-Extra: ok-extra', 'Provides-Extra: not ok']))).toEqual([
      "'not ok' is an invalid value for Provides-Extra (not a valid name)",
    ]);
  });

  describe('Project-URL', () => {
    it('accepts "Label, URL" entries', () => {
      expect(refused(check(['Project-URL: Homepage, https://example.com', 'Project-URL: Bug Tracker,https://example.com/issues']))).toEqual([]);
    });
    it('refuses an entry without a URL', () => {
      expect(refused(check(['Project-URL: https://example.com']))).toEqual(["Project-URL 'https://example.com' must be 'Label, URL'"]);
    });
    it('refuses a label over 32 characters', () => {
      const label = 'L'.repeat(33);
      expect(refused(check([`Project-URL: ${label}, https://example.com`]))).toEqual([`Project-URL label '${label}' is longer than 32 characters`]);
    });
    it('refuses a label used twice', () => {
      expect(refused(check(['Project-URL: Home, https://a', 'Project-URL: Home, https://b']))).toEqual(["Project-URL label 'Home' is used more than once"]);
    });
  });

  describe('Requires-Dist and Requires-Python', () => {
    it.each([
      'attrs>=22',
      'importlib-metadata (>=4) ; python_version < "3.10"',
      "sphinx>=6; python_version >= '3.9' and extra == 'docs'",
      'pytest-cov ; extra == "test"',
      'foo[bar,baz]>=1,<2',
      'foo==1.*',
      'foo~=1.4',
      'foo @ https://example.com/foo.whl',
    ])('accepts Requires-Dist %j', (requirement) => {
      expect(check([`Requires-Dist: ${requirement}`]).errors).toEqual([]);
    });

    it.each(['foo bar', 'foo >= ', 'foo>=1.0-', '(foo)'])('refuses Requires-Dist %j', (requirement) => {
      const { errors } = check([`Requires-Dist: ${requirement}`]);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.startsWith(`'${requirement}' is an invalid value for Requires-Dist (not PEP 508: expected `)).toBe(true);
    });

    it.each(['>=3.8', '>=3.8, <4', '~=3.9', '!=3.9.*', '==3.*'])('accepts Requires-Python %j', (spec) => {
      expect(check([`Requires-Python: ${spec}`]).errors).toEqual([]);
    });

    it.each(['python3', '>=3.7.*', '3.8', '>=3.8,,<4'])('refuses Requires-Python %j', (spec) => {
      expect(check([`Requires-Python: ${spec}`]).errors).toEqual([`'${spec}' is an invalid value for Requires-Python (not a PEP 440 specifier)`]);
    });
  });

  it('only warns about an unknown header', () => {
    expect(check(['X-Something: else'])).toEqual({ errors: [], warnings: ["unrecognised metadata field 'X-Something' (ignored)"], pypi: [] });
  });

  it('passes on parse problems as errors', () => {
    expect(check(['Name: again']).errors).toEqual([]);
    const findings = validateMetadata(parseCoreMetadata('Metadata-Version: 2.1\nName: a\nName: b\nVersion: 1\n'));
    expect(findings.errors).toContain("field 'Name' appears more than once but may be used only once");
  });

  describe("twine check's two warnings", () => {
    it('warns when the description is missing', () => {
      expect(check([], { body: '' }).warnings).toEqual(['`long_description` missing.']);
    });
    it('warns when the description is UNKNOWN (old setuptools)', () => {
      expect(check(['Description: UNKNOWN'], { body: '' }).warnings).toEqual(['`long_description` missing.']);
    });
    it('warns when the content type is missing', () => {
      expect(check([], { base: ['Metadata-Version: 2.1', 'Name: demo', 'Version: 1.0'] }).warnings).toEqual([
        '`long_description_content_type` missing. defaulting to `text/x-rst`.',
      ]);
    });
    it('gives both for a bare 1.0 file', () => {
      const findings = validateMetadata(parseCoreMetadata('Metadata-Version: 1.0\nName: old\nVersion: 0.1\n'));
      expect(findings).toEqual({
        errors: [],
        warnings: ['`long_description` missing.', '`long_description_content_type` missing. defaulting to `text/x-rst`.'],
        pypi: [],
      });
    });
  });
});

describe('validateAgainstFilename', () => {
  const meta = (name: string, version: string) => parseCoreMetadata(`Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`);

  it('accepts a file name that matches the metadata, whatever the spelling', () => {
    expect(validateAgainstFilename(meta('My.Weird_Name', '0.3.post1'), dist('my_weird_name-0.3.post1-py3-none-any.whl'))).toEqual({
      errors: [],
      warnings: [],
      pypi: [],
    });
    expect(validateAgainstFilename(meta('demo', '1.0'), dist('demo-1.0.0-py3-none-any.whl')).errors).toEqual([]);
    expect(validateAgainstFilename(meta('demo', '2.0.0rc1'), dist('demo-2.0.0c1.tar.gz')).errors).toEqual([]);
  });

  it('refuses a different project', () => {
    expect(validateAgainstFilename(meta('other', '1.0'), dist('demo-1.0-py3-none-any.whl')).errors).toEqual([
      "the file name says project 'demo' but the metadata says 'other'",
    ]);
  });

  it('refuses a different version', () => {
    expect(validateAgainstFilename(meta('demo', '1.0.1'), dist('demo-1.0-py3-none-any.whl')).errors).toEqual([
      "the file name says version '1.0' but the metadata says '1.0.1'",
    ]);
    expect(validateAgainstFilename(meta('demo', '1.0+local'), dist('demo-1.0.tar.gz')).errors).toHaveLength(1);
  });

  it('warns about a legacy sdist name and names the PEP 625 one (normalised name and version)', () => {
    expect(validateAgainstFilename(meta('My.Weird_Name', '0.3.post1'), dist('My.Weird_Name-0.3.post1.tar.gz')).warnings).toEqual([
      "legacy source distribution name (PEP 625 expects 'my_weird_name-0.3.post1.tar.gz' with the normalised name and version)",
    ]);
    expect(validateAgainstFilename(meta('Demo', '1.0-RC1'), dist('Demo-1.0RC1.tar.gz')).warnings).toEqual([
      "legacy source distribution name (PEP 625 expects 'demo-1.0rc1.tar.gz' with the normalised name and version)",
    ]);
  });

  it('warns about a .zip sdist', () => {
    expect(validateAgainstFilename(meta('demo', '1.0'), dist('demo-1.0.zip')).warnings).toEqual([
      'legacy .zip source distribution (PEP 625 asks for .tar.gz; PyPI refuses .zip sdists)',
    ]);
  });

  it('does not warn about a PEP 625 sdist', () => {
    expect(validateAgainstFilename(meta('demo-pkg', '1.0'), dist('demo_pkg-1.0.tar.gz'))).toEqual({ errors: [], warnings: [], pypi: [] });
  });
});

describe('messages show names and versions safely', () => {
  it('escapes characters outside ASCII (a Cyrillic о looks like a Latin o) and shortens long values', () => {
    const meta = parseCoreMetadata('Metadata-Version: 2.1\nName: h\u043emoglyph\nVersion: 1.0\n\nbody\n');
    const findings = validateAgainstFilename(meta, dist('homoglyph-1.0-py3-none-any.whl'));
    expect(findings.errors).toEqual(["the file name says project 'homoglyph' but the metadata says 'h\\u043emoglyph'"]);
    const long = `1.${'0'.repeat(10_000)}-`;
    const { errors } = check([`Version: ${long}`]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.length).toBeLessThan(200);
    expect(errors[0]).toMatch(/^'1\.0+…' is an invalid value for Version \(not PEP 440\)$/);
  });
});
