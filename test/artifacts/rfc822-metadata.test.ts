import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseRfc822, unescapeMultilineHeader } from '../../src/artifacts/rfc822.js';
import { compareMetadataVersions, parseCoreMetadata } from '../../src/artifacts/metadata.js';

describe('parseRfc822 (email.parser with policy compat32)', () => {
  it('keeps repeated headers in order, joins continuation lines, and returns the body', () => {
    const message = parseRfc822('Name: demo\nClassifier: A\nSummary: first\n  second\n\tthird\nClassifier: B\n\n# Title\n\nText.\n');
    expect(message.headers).toEqual([
      { name: 'Name', value: 'demo' },
      { name: 'Classifier', value: 'A' },
      { name: 'Summary', value: 'first\n  second\n\tthird' },
      { name: 'Classifier', value: 'B' },
    ]);
    expect(message.body).toBe('# Title\n\nText.\n');
    expect(message.defects).toEqual([]);
  });

  it('strips the blanks after the colon but keeps trailing ones, as compat32 does', () => {
    const message = parseRfc822('A:no-space\nB: \t tabbed\nC:  trailing  \nD:\n');
    expect(message.headers).toEqual([
      { name: 'A', value: 'no-space' },
      { name: 'B', value: 'tabbed' },
      { name: 'C', value: 'trailing  ' },
      { name: 'D', value: '' },
    ]);
    expect(message.body).toBe('');
  });

  it('accepts CRLF and CR line ends and a UTF-8 BOM', () => {
    const message = parseRfc822('\ufeffName: demo\r\nSummary: a\r\n  b\r\n\r\nbody line 1\r\nbody line 2\r\n');
    expect(message.headers).toEqual([
      { name: 'Name', value: 'demo' },
      { name: 'Summary', value: 'a\n  b' },
    ]);
    expect(message.body).toBe('body line 1\nbody line 2\n');
    expect(parseRfc822('Name: x\rVersion: 1\r\rbody').headers).toHaveLength(2);
  });

  it('treats a line that is not a header as the start of the body (a defect)', () => {
    const message = parseRfc822('Name: demo\nthis is not a header\nVersion: 1.0\n');
    expect(message.headers).toEqual([{ name: 'Name', value: 'demo' }]);
    expect(message.defects).toEqual(['this is not a header']);
    expect(message.body).toBe('this is not a header\nVersion: 1.0\n');
  });

  it('records a continuation line before any header as a defect', () => {
    const message = parseRfc822('  orphan\nName: demo\n');
    expect(message.defects).toEqual(['  orphan']);
    expect(message.headers).toEqual([{ name: 'Name', value: 'demo' }]);
  });

  it('has no body when there is no blank line', () => {
    expect(parseRfc822('Name: demo\nVersion: 1.0').body).toBe('');
  });

  // Header names: printable ASCII without ':' (what the feedparser accepts).
  const headerName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,20}$/);
  // A first line must not start with a blank (those are stripped) and no line may hold a line break.
  const firstLine = fc.string({ maxLength: 30 }).filter((s) => !/^[ \t]/.test(s));
  const continuation = fc.tuple(fc.constantFrom(' ', '\t', '        '), fc.string({ maxLength: 30 })).map(([lead, rest]) => lead + rest);
  const header = fc.record({ name: headerName, first: firstLine, more: fc.array(continuation, { maxLength: 3 }) });
  const bodyLines = fc.array(
    fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !/[\r\n]/.test(s)),
    { maxLength: 6 },
  );

  it('round-trips generated headers with continuation lines and a body', () => {
    fc.assert(
      fc.property(fc.array(header, { maxLength: 8 }), bodyLines, fc.constantFrom('\n', '\r\n'), (headers, lines, eol) => {
        const body = lines.join('\n');
        const text = headers.map((h) => [`${h.name}: ${h.first}`, ...h.more].join(eol) + eol).join('') + eol + body.replace(/\n/g, eol);
        const parsed = parseRfc822(text);
        expect(parsed.defects).toEqual([]);
        expect(parsed.headers).toEqual(headers.map((h) => ({ name: h.name, value: [h.first, ...h.more].join('\n') })));
        expect(parsed.body).toBe(body);
      }),
    );
  });
});

describe('unescapeMultilineHeader (setuptools rfc822_unescape)', () => {
  it('dedents the 8-space continuation lines setuptools writes, and empties blank ones', () => {
    expect(unescapeMultilineHeader('Title\n        =====\n        \n        Text\n            indented\n        ')).toBe(
      'Title\n=====\n\nText\n    indented\n',
    );
  });

  it('leaves a single line alone but for leading blanks', () => {
    expect(unescapeMultilineHeader('  one line  ')).toBe('one line  ');
  });
});

describe('parseCoreMetadata', () => {
  const FULL = [
    'Metadata-Version: 2.1',
    'Name: Demo.Pkg',
    'Version: 1.0',
    'Summary: A demo',
    'Platform: linux',
    'Platform: win32',
    'Classifier: Programming Language :: Python :: 3',
    'Classifier: License :: OSI Approved :: MIT License',
    'Requires-Dist: attrs>=22',
    'Requires-Dist: click (>=8) ; extra == "cli"',
    'Provides-Extra: cli',
    'Project-URL: Homepage, https://example.com',
    'Keywords: a,b',
    'License: MIT',
    'X-Custom: whatever',
    'Description-Content-Type: text/markdown',
    '',
    '# Demo',
    '',
    'Body text.',
    '',
  ].join('\n');

  it('splits single-use and multiple-use fields and takes the body as the description', () => {
    const meta = parseCoreMetadata(FULL);
    expect(meta.problems).toEqual([]);
    expect(meta.single).toEqual({
      metadata_version: '2.1',
      name: 'Demo.Pkg',
      version: '1.0',
      summary: 'A demo',
      keywords: 'a,b',
      license: 'MIT',
      description_content_type: 'text/markdown',
      description: '# Demo\n\nBody text.\n',
    });
    expect(meta.multi).toEqual({
      platforms: ['linux', 'win32'],
      classifiers: ['Programming Language :: Python :: 3', 'License :: OSI Approved :: MIT License'],
      requires_dist: ['attrs>=22', 'click (>=8) ; extra == "cli"'],
      provides_extra: ['cli'],
      project_urls: ['Homepage, https://example.com'],
    });
    expect(meta.unknownHeaders).toEqual(['X-Custom']);
  });

  it('matches header names case-insensitively', () => {
    const meta = parseCoreMetadata('metadata-version: 2.1\nNAME: x\nversion: 1\nrequires-DIST: y\n');
    expect(meta.single).toMatchObject({ metadata_version: '2.1', name: 'x', version: '1' });
    expect(meta.multi.requires_dist).toEqual(['y']);
  });

  it('keeps continuation lines of an ordinary header as they are (packaging does too)', () => {
    const meta = parseCoreMetadata('Metadata-Version: 2.1\nName: x\nVersion: 1\nLicense: MIT License\n        \n        Copyright (c) Someone\n');
    expect(meta.single.license).toBe('MIT License\n        \n        Copyright (c) Someone');
  });

  it('dedents a legacy Description header written with 8-space continuation lines', () => {
    const meta = parseCoreMetadata(
      'Metadata-Version: 1.1\nName: legacy\nVersion: 0.1\nDescription: Legacy\n        ======\n        \n        A *legacy* description.\n            code\nPlatform: UNKNOWN\n',
    );
    expect(meta.problems).toEqual([]);
    expect(meta.single.description).toBe('Legacy\n======\n\nA *legacy* description.\n    code');
    expect(meta.multi.platforms).toEqual(['UNKNOWN']);
  });

  it('reports a Description header AND a body as a problem', () => {
    const meta = parseCoreMetadata('Metadata-Version: 2.1\nName: x\nVersion: 1\nDescription: from the header\n\nfrom the body\n');
    expect(meta.problems).toEqual(['the description is given both as a Description header and as the message body']);
  });

  it('ignores a body that is only blank lines', () => {
    const meta = parseCoreMetadata('Metadata-Version: 2.1\nName: x\nVersion: 1\nDescription: header\n\n\n  \n');
    expect(meta.problems).toEqual([]);
    expect(meta.single.description).toBe('header');
  });

  it.each(['Name', 'Version', 'Summary', 'Requires-Python', 'License', 'Description-Content-Type'])('reports %s given twice', (field) => {
    const base = ['Metadata-Version: 2.1', 'Name: x', 'Version: 1'].filter((line) => !line.startsWith(`${field}:`));
    const meta = parseCoreMetadata([...base, `${field}: one`, `${field}: two`, ''].join('\n'));
    expect(meta.problems).toEqual([`field '${field}' appears more than once but may be used only once`]);
  });

  it('keeps the first value of a repeated single-use field', () => {
    expect(parseCoreMetadata('Name: first\nName: second\n').single.name).toBe('first');
  });

  it('keeps a NUL or a form feed in a header or in the body as it is (packaging does too)', () => {
    const inHeader = parseCoreMetadata('Metadata-Version: 2.1\nName: x\nVersion: 1\nSummary: bad\u0000summary\n');
    expect(inHeader.problems).toEqual([]);
    expect(inHeader.single.summary).toBe('bad\u0000summary');
    const inBody = parseCoreMetadata('Metadata-Version: 2.1\nName: x\nVersion: 1\n\nbody \u0000 here\n\u000c\n');
    expect(inBody.problems).toEqual([]);
    expect(inBody.single.description).toBe('body \u0000 here\n\u000c\n');
  });

  it('allows tabs in values', () => {
    expect(parseCoreMetadata('Metadata-Version: 2.1\nName: x\nVersion: 1\nSummary: a\tb\n').problems).toEqual([]);
  });

  it('reports a line in the headers that is not a header', () => {
    const meta = parseCoreMetadata('Metadata-Version: 2.1\nName: x\nnot a header line\nVersion: 1\n');
    expect(meta.problems).toEqual(["malformed header line 'not a header line' (expected 'Name: value')"]);
  });

  it('maps every core-metadata field', () => {
    const meta = parseCoreMetadata(
      [
        'Metadata-Version: 2.5',
        'Name: every',
        'Version: 1',
        'Dynamic: Keywords',
        'Platform: p',
        'Supported-Platform: sp',
        'Summary: s',
        'Keywords: k',
        'Home-page: https://h',
        'Download-URL: https://d',
        'Author: a',
        'Author-email: a@e',
        'Maintainer: m',
        'Maintainer-email: m@e',
        'License-Expression: MIT',
        'License-File: LICENSE',
        'Classifier: c',
        'Requires-Dist: r',
        'Requires-Python: >=3',
        'Requires-External: re',
        'Project-URL: L, https://u',
        'Provides-Extra: e',
        'Provides-Dist: pd',
        'Obsoletes-Dist: od',
        'Requires: rq',
        'Provides: pv',
        'Obsoletes: ob',
        'Import-Name: every',
        'Import-Namespace: ns',
        'Description-Content-Type: text/plain',
        '',
        'body',
      ].join('\n'),
    );
    expect(meta.unknownHeaders).toEqual([]);
    expect(Object.keys(meta.single).sort()).toEqual(
      [
        'metadata_version',
        'name',
        'version',
        'summary',
        'keywords',
        'home_page',
        'download_url',
        'author',
        'author_email',
        'maintainer',
        'maintainer_email',
        'license_expression',
        'requires_python',
        'description_content_type',
        'description',
      ].sort(),
    );
    expect(Object.keys(meta.multi).sort()).toEqual(
      [
        'dynamic',
        'platforms',
        'supported_platforms',
        'license_files',
        'classifiers',
        'requires_dist',
        'requires_external',
        'project_urls',
        'provides_extra',
        'provides_dist',
        'obsoletes_dist',
        'requires',
        'provides',
        'obsoletes',
        'import_names',
        'import_namespaces',
      ].sort(),
    );
  });
});

describe('compareMetadataVersions', () => {
  it.each([
    ['1.2', '2.1', -1],
    ['2.1', '1.2', 1],
    ['2.4', '2.4', 0],
    ['2.10', '2.4', 1],
  ] as const)('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareMetadataVersions(a, b))).toBe(sign);
  });
});
