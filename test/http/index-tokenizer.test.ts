/**
 * The index page tokenizers on their own (src/http/index-reader.ts): what the HTML one takes for an
 * anchor (and what it does not), its character references, the file name it gives, the same result
 * however the page is cut into chunks; the PEP 691 JSON one's fields, its per-version first upload
 * times, what it refuses, and the same result however the page is cut.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnchorScanner, decodeCharacterReferences, INDEX_TOKEN_CAP, JsonFilesScanner, parseJsonIndex, parseSimpleIndex } from '../../src/http/index-reader.js';

const HEX = 'ab'.repeat(32);
const OTHER = 'cd'.repeat(32);
const PAGE = 'https://h.example/simple/p/';

/** Each anchor the scanner reports, fed in the given pieces. */
function anchors(pieces: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const scanner = new AnchorScanner((href, text) => out.push([href, text]));
  for (const piece of pieces) scanner.write(piece);
  scanner.end();
  return out;
}

/** `text` cut at the given offsets. */
function cut(text: string, offsets: readonly number[]): string[] {
  const at = [...new Set(offsets.map((o) => o % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const to of at) {
    pieces.push(text.slice(from, to));
    from = to;
  }
  pieces.push(text.slice(from));
  return pieces;
}

// PyPI's page (warehouse templates/api/simple/detail.html) and Gitea's (templates/api/packages/pypi/simple.tmpl).
const PYPI_PAGE =
  '<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Links for p</title>\n  </head>\n  <body>\n' +
  `    <h1>Links for p</h1>\n    <a href="https://files.example/packages/ab/cd/p-1.0-py3-none-any.whl#sha256=${HEX}" data-requires-python="&gt;=3.8" data-dist-info-metadata="sha256=${OTHER}" data-core-metadata="sha256=${OTHER}">p-1.0-py3-none-any.whl</a><br />\n` +
  `    <a href="https://files.example/packages/ef/01/p-1.0.tar.gz#sha256=${OTHER}" data-requires-python="&gt;=3.8" >p-1.0.tar.gz</a><br />\n  </body>\n</html>\n<!--SERIAL 123-->`;
const GITEA_PAGE =
  '<!DOCTYPE html>\n<html>\n\t<head>\n\t\t<title>Links for p</title>\n\t</head>\n\t<body>\n\t\t<h1>Links for p</h1>\n\t\t\n\t\t\t\n\t\t\t' +
  `\n\t\t\t\t<a href="https://git.example/api/packages/o/pypi/files/p/1.0/p-1.0.tar.gz#sha256-${HEX}" data-requires-python="&gt;=3.8">p-1.0.tar.gz</a><br/>\n\t\t\t\n\t\t\n\t</body>\n</html>\n`;

describe('the HTML tokenizer', () => {
  it("reads PyPI's and Gitea's pages: name, sha256 (both fragment spellings), link without its fragment", () => {
    expect(parseSimpleIndex(PYPI_PAGE, PAGE)).toEqual(
      new Map([
        ['p-1.0-py3-none-any.whl', { filename: 'p-1.0-py3-none-any.whl', sha256: HEX, url: 'https://files.example/packages/ab/cd/p-1.0-py3-none-any.whl' }],
        ['p-1.0.tar.gz', { filename: 'p-1.0.tar.gz', sha256: OTHER, url: 'https://files.example/packages/ef/01/p-1.0.tar.gz' }],
      ]),
    );
    expect(parseSimpleIndex(GITEA_PAGE, PAGE).get('p-1.0.tar.gz')).toEqual({
      filename: 'p-1.0.tar.gz',
      sha256: HEX,
      url: 'https://git.example/api/packages/o/pypi/files/p/1.0/p-1.0.tar.gz',
    });
  });

  it('keeps only the files looked for, and counts the others', () => {
    expect([...parseSimpleIndex(PYPI_PAGE, PAGE, { files: new Set(['p-1.0.tar.gz', 'p-2.0.tar.gz']) }).keys()]).toEqual(['p-1.0.tar.gz']);
  });

  it('decodes character references in the href and the text (&amp; &lt; &gt; &quot; &#NN; &#xNN;)', () => {
    const files = parseSimpleIndex(
      `<a href="/f/p-1.0.tar.gz?x=1&amp;y=&lt;2&gt;#k=v&amp;sha256=${HEX}">p&#45;1.0&#x2E;tar.gz</a>` +
        `<a href='/f/&quot;q&quot;-2.0.tar.gz#sha256=${OTHER}'></a>` +
        `<a href="/f/r-3.0.tar.gz">r-3.0.tar.gz&nbsp;</a><a href="/f/s.tar.gz">s&unknown;.tar.gz &#0; &#x110000;</a>`,
      PAGE,
    );
    expect(files.get('p-1.0.tar.gz')).toEqual({ filename: 'p-1.0.tar.gz', sha256: HEX, url: 'https://h.example/f/p-1.0.tar.gz?x=1&y=%3C2%3E' });
    // No text: the link's last segment, after the references are decoded.
    expect(files.get('"q"-2.0.tar.gz')?.sha256).toBe(OTHER);
    expect(files.has('r-3.0.tar.gz')).toBe(true);
    expect(files.has('s&unknown;.tar.gz \ufffd \ufffd')).toBe(true);
    expect(decodeCharacterReferences('&AMP;&apos;&#38;&#x26;&amp')).toBe("&'&&&amp");
  });

  it('takes an href quoted either way or not at all, in any case, wherever it stands among the attributes; the first href counts', () => {
    expect(
      anchors([
        '<A HREF=/f/a.whl>a</A><a class="x" title=\'y > z\' href = "/f/b.whl" >b</a>' +
          '<a data-x="<a href=no>" href="/f/c.whl">c</a><a href="/f/d.whl" href="/f/no.whl">d</a><a\thref\n=\n/f/e.whl\n>e</a ><a/href="/f/f.whl">f</a>',
      ]),
    ).toEqual([
      ['/f/a.whl', 'a'],
      ['/f/b.whl', 'b'],
      ['/f/c.whl', 'c'],
      ['/f/d.whl', 'd'],
      ['/f/e.whl', 'e'],
      ['/f/f.whl', 'f'],
    ]);
  });

  it('an empty href or one without a value is an anchor; an anchor without href, abbr, area and anchors in comments or raw text are not', () => {
    expect(
      anchors([
        '<a href>x</a><a href="">y</a><a name="z">z</a><abbr href="/no">no</abbr><area href="/no"><!-- <a href="/no">no</a> -->' +
          '<script>let s = "<a href=/no>no</a>";</script><style>a[href="</a>"]{}</style ><title><a href=/no>no</a></title>' +
          '<textarea><a href=/no>no</a></TEXTAREA><!DOCTYPE html><?xml x?><a href=/yes>yes</a>',
      ]),
    ).toEqual([
      ['', 'x'],
      ['', 'y'],
      ['/yes', 'yes'],
    ]);
  });

  it('ends comments as a browser does (`<!-->`, `<!--->`, dashes inside), and keeps a `<` that starts no tag as text', () => {
    expect(anchors(['<!--><a href=1>1</a><!---><a href=2>2</a><!-- a -- b --- c ---><a href=3>3 < 4 <3</a><!--x--!><a href=no>no</a> -->'])).toEqual([
      ['1', '1'],
      ['2', '2'],
      ['3', '3 < 4 <3'],
    ]);
  });

  it("takes the anchor's text across tags inside it; an anchor left open ends at the next one or at the page's end", () => {
    expect(anchors(['<a href=1><span>p-</span><b>1.0</b>.whl</a><a href=2>two<a href=3>three<br>'])).toEqual([
      ['1', 'p-1.0.whl'],
      ['2', 'two'],
      ['3', 'three'],
    ]);
  });

  it('names a file by its link when the anchor has no text: the last path segment, without the query, URL-decoded', () => {
    const files = parseSimpleIndex(
      `<a href="/f/caf%C3%A9-1.0.tar.gz?x=/y#sha256=${HEX}"> </a><a href="/f/bad%E0%A4%A-1.0.tar.gz"></a><a href="#frag-only"></a>`,
      PAGE,
    );
    expect([...files.keys()]).toEqual(['café-1.0.tar.gz', 'bad%E0%A4%A-1.0.tar.gz']);
    expect(files.get('café-1.0.tar.gz')?.url).toBe('https://h.example/f/caf%C3%A9-1.0.tar.gz?x=/y');
  });

  it('skips past an href or a text longer than the cap (and its anchor), and finds the anchors after it', () => {
    const long = 'x'.repeat(INDEX_TOKEN_CAP + 1);
    expect(anchors([`<a href="${long}">a</a><a href=1>${long}</a><a href='${'y'.repeat(INDEX_TOKEN_CAP)}'>b</a><a href=2>c</a>`])).toEqual([
      ['y'.repeat(INDEX_TOKEN_CAP), 'b'],
      ['2', 'c'],
    ]);
  });

  it('gives the same anchors however the page is cut into chunks', () => {
    const page =
      PYPI_PAGE +
      GITEA_PAGE +
      '<!-- c --><script>"</script>"</script><A hReF = \'/x?a=1&amp;b\' >x&#x2D;1 <i>i</i></a><a href=u>caf\u00e9 \ud83d\ude00</a><a href><!---->e</a>';
    const whole = anchors([page]);
    expect(whole).toHaveLength(6);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (offsets) => {
        expect(anchors(cut(page, offsets))).toEqual(whole);
      }),
      { numRuns: 300 },
    );
    // And one character at a time.
    expect(anchors([...page])).toEqual(whole);
  });
});

const jsonPage = (files: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ meta: { 'api-version': '1.1', '_last-serial': 1 }, name: 'p', ...extra, files, versions: ['1.0', '2.0'] }, null, 1);

const PYPI_JSON = jsonPage([
  {
    filename: 'p-1.0.tar.gz',
    url: 'https://files.example/p-1.0.tar.gz',
    hashes: { sha256: HEX.toUpperCase() },
    'requires-python': '>=3.8',
    size: 10,
    'upload-time': '2020-01-02T03:04:05.678901Z',
    yanked: false,
    'core-metadata': { sha256: OTHER },
    provenance: null,
  },
  { filename: 'p-1.0-py3-none-any.whl', url: '../../f/p-1.0-py3-none-any.whl', hashes: {}, 'upload-time': '2020-01-01T00:00:00Z' },
  { filename: 'p-1.0.post1.tar.gz', 'upload-time': '2019-01-01T00:00:00Z' },
  { filename: 'p-2.0.tar.gz', hashes: { sha256: OTHER, md5: 'x' }, 'upload-time': '2021-05-05T00:00:00Z', 'data-dist-info-metadata': false },
  { filename: 'p-2.0-py3-none-any.whl', 'upload-time': 'not a time' },
  { filename: 7, url: 'x' },
  { url: 'no-name' },
]);

describe('the PEP 691 JSON reader', () => {
  it("reads each file's name, url, sha256 and upload time; core-metadata's sha256 is not the file's", () => {
    const lookup = parseJsonIndex(PYPI_JSON, PAGE);
    expect(lookup.kind).toBe('found');
    if (lookup.kind !== 'found') return;
    expect(lookup.listed).toBe(5);
    expect(lookup.files.get('p-1.0.tar.gz')).toEqual({
      filename: 'p-1.0.tar.gz',
      url: 'https://files.example/p-1.0.tar.gz',
      sha256: HEX,
      uploadedAt: Date.parse('2020-01-02T03:04:05.678901Z'),
    });
    expect(lookup.files.get('p-1.0-py3-none-any.whl')).toEqual({
      filename: 'p-1.0-py3-none-any.whl',
      url: 'https://h.example/f/p-1.0-py3-none-any.whl',
      uploadedAt: Date.parse('2020-01-01T00:00:00Z'),
    });
    expect(lookup.files.get('p-2.0-py3-none-any.whl')).toEqual({ filename: 'p-2.0-py3-none-any.whl' });
  });

  it('keeps only the files looked for, and the earliest upload of each version looked for (versions compared as PEP 440 does)', () => {
    const lookup = parseJsonIndex(PYPI_JSON, PAGE, { files: new Set(['p-2.0.tar.gz']), versions: new Set(['1', '2', '3']) });
    expect(lookup).toEqual({
      kind: 'found',
      files: new Map([['p-2.0.tar.gz', { filename: 'p-2.0.tar.gz', sha256: OTHER, uploadedAt: Date.parse('2021-05-05T00:00:00Z') }]]),
      listed: 5,
      // 1.0 and 1.0.0 are one version (versionKey '1'); 1.0.post1 is another, not looked for.
      firstUploads: new Map([
        ['1', Date.parse('2020-01-01T00:00:00Z')],
        ['2', Date.parse('2021-05-05T00:00:00Z')],
      ]),
    });
  });

  it('reads escapes in keys and strings, and skips deep values it does not keep', () => {
    const page = `{"fi\\u006ces": [{"filename": "p-1.0.tar.gz", "url": "https:\\/\\/f.example\\/p-1.0.tar.gz\\u0021", "x": [[[{"filename": "no"}]]], "hashes": {"sha256": "${HEX}", "deep": {"sha256": "no"}}}], "other": {"files": []}}`;
    expect(parseJsonIndex(page, PAGE)).toEqual({
      kind: 'found',
      files: new Map([['p-1.0.tar.gz', { filename: 'p-1.0.tar.gz', url: 'https://f.example/p-1.0.tar.gz!', sha256: HEX }]]),
      listed: 1,
      firstUploads: new Map(),
    });
  });

  it('refuses what is not JSON, a page with no files list, and nesting past its bound, with a message', () => {
    const error = (text: string) => {
      const lookup = parseJsonIndex(text, PAGE);
      return lookup.kind === 'error' ? lookup.message : lookup.kind;
    };
    expect(error('<html>')).toMatch(/is not valid JSON \(unexpected text\)$/);
    expect(error('{"files": [}')).toMatch(/is not valid JSON/);
    expect(error('{"files": []')).toMatch(/is not valid JSON \(it ends early\)$/);
    expect(error('{"files": []} x')).toMatch(/is not valid JSON/);
    expect(error('{"files": [01]}')).toMatch(/is not valid JSON/);
    expect(error('{"files": ["\\x"]}')).toBe('found'); // a string it does not keep is not checked
    expect(error('{"files": [{"filename": "\\x"}]}')).toMatch(/is not valid JSON \(a string it cannot read\)$/);
    expect(error('{"meta": {}}')).toMatch(/has no files list$/);
    expect(error('[{"files": []}]')).toMatch(/has no files list$/);
    expect(error('{"files": {}}')).toMatch(/has no files list$/);
    expect(error(`{"files": [${'['.repeat(100_000)}`)).toMatch(/is not valid JSON \(nested over 512 levels\)$/);
    expect(error('{"files": [], "n": [1, -2.5e+3, true, false, null, "s"]}')).toBe('found');
  });

  it('gives the same result however the page is cut into chunks', () => {
    const whole = parseJsonIndex(PYPI_JSON, PAGE);
    const read = (pieces: readonly string[]) => {
      const seen: unknown[] = [];
      const scanner = new JsonFilesScanner((fields) => seen.push({ ...fields }));
      for (const piece of pieces) scanner.write(piece);
      scanner.end();
      return { seen, error: scanner.error, files: scanner.sawFiles };
    };
    const expected = read([PYPI_JSON]);
    expect(expected.seen).toHaveLength(5);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (offsets) => {
        expect(read(cut(PYPI_JSON, offsets))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
    expect(read([...PYPI_JSON])).toEqual(expected);
    expect(whole.kind).toBe('found');
  });
});
