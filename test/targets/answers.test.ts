/** How each target reads its server's answers (bodies and statuses from ../shared/spec). */
import { describe, expect, it } from 'vitest';
import { giteaKind } from '../../src/targets/gitea.js';
import { pypiKind, warehouseMessage } from '../../src/targets/pypi.js';
import type { ServerAnswer } from '../../src/targets/target.js';

const ctx = {
  credentialSource: 'MOLECULE_PYPI_GITEA_PUBLISHER_USER and MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN',
  uploadUrl: 'https://git.example.com/api/packages/o/pypi',
};
const answer = (status: number, body = '', headers: ServerAnswer['headers'] = {}): ServerAnswer => ({ status, body, headers });

describe('Gitea answers', () => {
  it.each([
    [201, '', 'uploaded'],
    [409, 'package file already exists', 'exists'],
    [400, 'package file already exists', 'exists'], // Gitea ≤1.21
    [400, 'hash mismatch', 'failed'],
    [400, 'invalid name or version', 'failed'],
    [401, 'authGroup.Verify\n', 'failed'],
    [503, '', 'retry'],
    [500, '', 'retry'],
    [429, '', 'retry'],
    [307, '', 'redirect'],
  ])('%i %j -> %s', (status, body, kind) => {
    expect(giteaKind.readAnswer(answer(status, body), ctx).kind).toBe(kind);
  });

  it('tells wrong credentials from missing permission (both 401 in Gitea 1.22)', () => {
    const credentials = giteaKind.readAnswer(answer(401, 'authGroup.Verify\n'), ctx);
    const permission = giteaKind.readAnswer(answer(401, 'reqPackageAccess\n', { 'www-authenticate': 'Basic realm="Gitea Package API"' }), ctx);
    expect(credentials.kind === 'failed' && credentials.hint).toContain('check MOLECULE_PYPI_GITEA_PUBLISHER_USER');
    expect(permission.kind === 'failed' && permission.hint).toContain('write:package scope AND');
  });

  it('a public-only token on a private owner (403 reqToken) is named as such', () => {
    const v = giteaKind.readAnswer(answer(403, 'reqToken\n'), ctx);
    expect(v.kind === 'failed' && v.hint).toContain('limited to public resources');
  });

  it('refuses versions and names that fail Gitea 1.22 patterns, before any request', () => {
    const a = (name: string, version: string) => ({ name, version, filename: `${name}-${version}.tar.gz` }) as never;
    const refused = giteaKind.refusals([a('ok', '1.0.0'), a('upper', '1.0RC1'), a('local', '1.0+ABC'), a('fine', 'v1.0.1'), a('weird', '1!1.0.1+r1234')]);
    expect([...refused.keys()]).toEqual(['upper-1.0RC1.tar.gz', 'local-1.0+ABC.tar.gz']);
  });
});

describe('PyPI answers', () => {
  it('reads the message from the JSON code, the HTML title or plain text', () => {
    expect(warehouseMessage('{"message": "x", "code": "400 File already exists (\'a.whl\', with blake2_256 hash \'ab\').", "title": "Bad Request"}')).toBe(
      "File already exists ('a.whl', with blake2_256 hash 'ab').",
    );
    expect(warehouseMessage('<html><head><title>403 Invalid or non-existent authentication information.</title></head></html>')).toBe(
      'Invalid or non-existent authentication information.',
    );
    expect(warehouseMessage('400 Unknown protocol version.\n\nThe server could not comply')).toContain('Unknown protocol version.');
  });

  it.each([
    [200, '', 'uploaded'],
    [400, '{"code": "400 File already exists (\'x\')."}', 'exists'],
    [400, '{"code": "400 The description failed to render for \'text/markdown\'."}', 'failed'],
    [403, '{"code": "403 Invalid API Token: token is expired"}', 'failed'],
    [502, '', 'retry'],
    [308, '', 'redirect'],
  ])('%i %j -> %s', (status, body, kind) => {
    expect(pypiKind.readAnswer(answer(status, body), { ...ctx, credentialSource: 'PYPI_TOKEN' }).kind).toBe(kind);
  });

  it('honours Retry-After on 429', () => {
    const v = pypiKind.readAnswer(answer(429, '', { 'retry-after': '7' }), ctx);
    expect(v).toMatchObject({ kind: 'retry', retryAfterMs: 7000 });
  });
});
