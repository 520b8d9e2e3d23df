import { describe, expect, it } from 'vitest';
import type { Artifact } from '../../src/artifacts/artifact.js';
import { parseDistFilename } from '../../src/artifacts/filename.js';
import { parseCoreMetadata } from '../../src/artifacts/metadata.js';
import { buildUploadForm, fieldsAsSent, safeName, type FormField } from '../../src/upload/form.js';

const SHA256 = '1'.repeat(64);

function artifactFor(filename: string, metadataText: string): Artifact {
  const parsed = parseDistFilename(filename);
  if (!parsed.ok) throw new Error(parsed.problem);
  const dist = parsed.value;
  const metadata = parseCoreMetadata(metadataText);
  return {
    path: `/tmp/${filename}`,
    filename,
    size: 123,
    dist,
    filetype: dist.kind === 'wheel' ? 'bdist_wheel' : 'sdist',
    pyversion: dist.kind === 'wheel' ? dist.pythonTags.join('.') : 'source',
    name: metadata.single.name ?? dist.namePart,
    version: metadata.single.version ?? dist.version,
    metadata,
    metadataPath: 'x/METADATA',
    pypiMetadataRefusals: [],
  };
}

const values = (form: readonly FormField[], name: string) => form.filter(([n]) => n === name).map(([, v]) => v);
const names = (form: readonly FormField[]) => new Set(form.map(([n]) => n));

const RICH_24 = [
  'Metadata-Version: 2.4',
  'Name: My.Weird_Name',
  'Version: 1.0',
  'Dynamic: Requires-Dist',
  'Platform: linux',
  'Platform: win32',
  'Supported-Platform: RedHat 8',
  'Summary: rich',
  'Keywords: alpha, beta ,gamma,',
  'Home-page: https://example.com/home',
  'Download-URL: https://example.com/dl',
  'Author: A',
  'Author-email: a@example.com',
  'Maintainer: M',
  'Maintainer-email: m@example.com',
  'License-Expression: MIT',
  'License-File: LICENSE',
  'License-File: NOTICE',
  'Classifier: Programming Language :: Python :: 3',
  'Requires-Dist: attrs>=22',
  'Requires-Python: >=3.9',
  'Requires-External: libxml2',
  'Project-URL: Homepage,https://example.com',
  'Project-URL:   Bug Tracker  ,   https://example.com/issues  ',
  'Provides-Extra: cli',
  'Provides-Dist: weird',
  'Obsoletes-Dist: old-weird',
  'Requires: os',
  'Provides: weird',
  'Obsoletes: oldweird',
  'Import-Name: my_weird_name',
  'X-Unknown: not sent',
  'Description-Content-Type: text/markdown',
  '',
  '# Rich',
  '',
].join('\n');

describe('buildUploadForm (twine 7 fields)', () => {
  const form = buildUploadForm(artifactFor('my_weird_name-1.0-py2.py3-none-any.whl', RICH_24));

  it('sends every metadata field under its form name, repeated fields as repeated parts', () => {
    expect(values(form, 'metadata_version')).toEqual(['2.4']);
    expect(values(form, 'version')).toEqual(['1.0']);
    expect(values(form, 'summary')).toEqual(['rich']);
    expect(values(form, 'description')).toEqual(['# Rich\n']);
    expect(values(form, 'description_content_type')).toEqual(['text/markdown']);
    expect(values(form, 'home_page')).toEqual(['https://example.com/home']);
    expect(values(form, 'download_url')).toEqual(['https://example.com/dl']);
    expect(values(form, 'author')).toEqual(['A']);
    expect(values(form, 'author_email')).toEqual(['a@example.com']);
    expect(values(form, 'maintainer')).toEqual(['M']);
    expect(values(form, 'maintainer_email')).toEqual(['m@example.com']);
    expect(values(form, 'license_expression')).toEqual(['MIT']);
    expect(values(form, 'requires_python')).toEqual(['>=3.9']);
    expect(values(form, 'platform')).toEqual(['linux', 'win32']);
    expect(values(form, 'supported_platform')).toEqual(['RedHat 8']);
    expect(values(form, 'classifiers')).toEqual(['Programming Language :: Python :: 3']);
    expect(values(form, 'requires_dist')).toEqual(['attrs>=22']);
    expect(values(form, 'requires_external')).toEqual(['libxml2']);
    expect(values(form, 'provides_extra')).toEqual(['cli']);
    expect(values(form, 'provides_dist')).toEqual(['weird']);
    expect(values(form, 'obsoletes_dist')).toEqual(['old-weird']);
    expect(values(form, 'requires')).toEqual(['os']);
    expect(values(form, 'provides')).toEqual(['weird']);
    expect(values(form, 'obsoletes')).toEqual(['oldweird']);
    expect(values(form, 'dynamic')).toEqual(['Requires-Dist']);
  });

  it("sends the name as twine's safe name", () => {
    expect(values(form, 'name')).toEqual(['My.Weird-Name']);
  });

  it('re-joins keywords with ", " as twine 7 does', () => {
    expect(values(form, 'keywords')).toEqual(['alpha, beta, gamma, ']);
  });

  it('sends project URLs as "Label, URL"', () => {
    expect(values(form, 'project_urls')).toEqual(['Homepage, https://example.com', 'Bug Tracker, https://example.com/issues']);
  });

  it('sends License-File as license_file at metadata 2.4', () => {
    expect(values(form, 'license_file')).toEqual(['LICENSE', 'NOTICE']);
  });

  it('sends neither Import-Name (twine 7 does not) nor unknown headers nor the file part', () => {
    for (const name of ['import_names', 'import_name', 'x_unknown', 'X-Unknown', 'content', 'license_files', 'platforms', 'provides_extras']) {
      expect(names(form).has(name)).toBe(false);
    }
  });

  it('ends with the file fields and the action; the digest is added as sent (sha256 only)', () => {
    expect(form.slice(-4)).toEqual([
      ['pyversion', 'py2.py3'],
      ['filetype', 'bdist_wheel'],
      [':action', 'file_upload'],
      ['protocol_version', '1'],
    ]);
    const sent = fieldsAsSent(artifactFor('My.Weird_Name-1.0-py2.py3-none-any.whl', RICH_24), SHA256);
    expect(sent.filter(([n]) => n.endsWith('_digest'))).toEqual([['sha256_digest', SHA256]]);
  });

  it('sends each single-use field once', () => {
    const counts = new Map<string, number>();
    for (const [name] of form) counts.set(name, (counts.get(name) ?? 0) + 1);
    const repeatable = new Set([
      'platform',
      'supported_platform',
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
      'dynamic',
      'license_file',
    ]);
    for (const [name, count] of counts) if (!repeatable.has(name)) expect([name, count]).toEqual([name, 1]);
  });
});

describe('buildUploadForm (details)', () => {
  const minimal = 'Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n';

  it('always sends requires_python, empty when the metadata has none (as uv does)', () => {
    const form = buildUploadForm(artifactFor('demo-1.0-py3-none-any.whl', minimal));
    expect(values(form, 'requires_python')).toEqual(['']);
  });

  it('omits other unset fields (twine 7), rather than sending empty strings (twine 4)', () => {
    const form = buildUploadForm(artifactFor('demo-1.0-py3-none-any.whl', minimal));
    expect(form.map(([n]) => n)).toEqual(['metadata_version', 'name', 'version', 'requires_python', 'pyversion', 'filetype', ':action', 'protocol_version']);
  });

  it('drops License-File below metadata 2.4, as twine does for setuptools', () => {
    for (const mv of ['2.1', '2.3']) {
      const form = buildUploadForm(
        artifactFor('demo-1.0-py3-none-any.whl', `Metadata-Version: ${mv}\nName: demo\nVersion: 1.0\nLicense-File: LICENSE\nLicense: MIT\n`),
      );
      expect(values(form, 'license_file')).toEqual([]);
      expect(values(form, 'license')).toEqual(['MIT']);
    }
  });

  it('sends pyversion "source" and filetype "sdist" for an sdist', () => {
    const form = buildUploadForm(artifactFor('demo-1.0.tar.gz', minimal));
    expect(values(form, 'pyversion')).toEqual(['source']);
    expect(values(form, 'filetype')).toEqual(['sdist']);
  });

  it('sends a comment only when given', () => {
    const artifact = artifactFor('demo-1.0-py3-none-any.whl', minimal);
    expect(values(buildUploadForm(artifact), 'comment')).toEqual([]);
    expect(values(buildUploadForm(artifact, { comment: 'built by CI' }), 'comment')).toEqual(['built by CI']);
  });

  it('sends a Project-URL without a comma as "Label, " (packaging gives it an empty URL)', () => {
    const form = buildUploadForm(artifactFor('demo-1.0-py3-none-any.whl', `${minimal}Project-URL: Homepage\n`));
    expect(values(form, 'project_urls')).toEqual(['Homepage, ']);
  });

  it('leaves out optional single-use fields that old setuptools set to UNKNOWN (Gitea would show them)', () => {
    const form = buildUploadForm(
      artifactFor('demo-1.0.tar.gz', `${minimal}Home-page: UNKNOWN\nLicense: UNKNOWN \nAuthor: UNKNOWN\nDescription: UNKNOWN\nPlatform: UNKNOWN\n`),
    );
    for (const name of ['home_page', 'license', 'author', 'description']) expect(values(form, name)).toEqual([]);
    // A repeated field keeps it, as twine 4 and 7 both do.
    expect(values(form, 'platform')).toEqual(['UNKNOWN']);
    expect(values(form, 'name')).toEqual(['demo']);
  });

  it('sends a dedented legacy Description header', () => {
    const form = buildUploadForm(artifactFor('demo-1.0-py3-none-any.whl', `${minimal}Description: Title\n        =====\n        \n        Text\n`));
    expect(values(form, 'description')).toEqual(['Title\n=====\n\nText']);
  });

  it.each([
    ['My.Weird_Name', 'My.Weird-Name'],
    ['molecule_demo_hatch', 'molecule-demo-hatch'],
    ['foo__bar', 'foo-bar'],
    ['a b  c', 'a-b-c'],
    ['Already-Fine.1', 'Already-Fine.1'],
  ])('safeName(%j) = %j', (name, expected) => {
    expect(safeName(name)).toBe(expected);
  });
});
