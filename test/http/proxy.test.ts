/**
 * Proxies from the environment (src/http/proxy.ts): which variable a URL takes, NO_PROXY as curl and
 * requests read it, the loopback names that always go direct, credentials that never reach a message;
 * and the pool through a proxy made here (tinyproxy's runs are test/e2e/proxy.test.ts): one tunnel
 * kept alive for several requests, the registry's certificate checked against the registry's name,
 * a CONNECT that never gets an answer bounded by the connect timeout, refusals as one line.
 */
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionPool, httpRequest, readText } from '../../src/http/client.js';
import { NoProxy, ProxyRules, proxySecrets, type ProxyEnv, type ProxyRoute } from '../../src/http/proxy.js';
import { networkOutcome } from '../../src/http/send.js';
import { serverCertFor } from '../helpers/proxy.js';
import { makePki, type TestPki } from '../helpers/tls.js';

function route(env: ProxyEnv, url: string): ProxyRoute {
  return ProxyRules.fromEnv(env)?.route(new URL(url)) ?? { kind: 'direct' };
}

/** The proxy a URL goes through, as its label and variable, or 'direct'. */
function via(env: ProxyEnv, url: string): string {
  const r = route(env, url);
  if (r.kind === 'direct') return 'direct';
  if (r.kind === 'unusable') return `unusable: ${r.message}`;
  return `${r.proxy.label} (${r.proxy.variable})`;
}

describe('which proxy a URL takes', () => {
  it('no proxy variable: no rules at all, everything direct', () => {
    expect(ProxyRules.fromEnv({})).toBeUndefined();
    expect(ProxyRules.fromEnv({ NO_PROXY: 'example.com', HTTPS_PROXY: '  ' })).toBeUndefined();
  });

  it('https URLs take HTTPS_PROXY, http URLs HTTP_PROXY, either ALL_PROXY when its own is unset; lower case first', () => {
    const env = { HTTPS_PROXY: 'http://upper:3128', https_proxy: 'http://lower:3128', HTTP_PROXY: 'http://plain:8080', ALL_PROXY: 'http://all:1' };
    expect(via(env, 'https://pypi.org/')).toBe('http://lower:3128 (https_proxy)');
    expect(via(env, 'http://gitea.example/')).toBe('http://plain:8080 (HTTP_PROXY)');
    expect(via({ HTTPS_PROXY: 'http://upper:3128', https_proxy: '' }, 'https://pypi.org/')).toBe('http://upper:3128 (HTTPS_PROXY)');
    expect(via({ HTTP_PROXY: 'http://plain:8080' }, 'https://pypi.org/')).toBe('direct');
    expect(via({ all_proxy: 'http://all:1' }, 'https://pypi.org/')).toBe('http://all:1 (all_proxy)');
    expect(via({ ALL_PROXY: 'http://all:1', HTTPS_PROXY: 'http://own:2' }, 'https://pypi.org/')).toBe('http://own:2 (HTTPS_PROXY)');
  });

  it('a proxy without a scheme is http:// (as curl and requests), its port the scheme default', () => {
    expect(via({ HTTPS_PROXY: 'proxy.corp:3128' }, 'https://pypi.org/')).toBe('http://proxy.corp:3128 (HTTPS_PROXY)');
    expect(via({ HTTPS_PROXY: 'http://proxy.corp' }, 'https://pypi.org/')).toBe('http://proxy.corp:80 (HTTPS_PROXY)');
    expect(via({ HTTPS_PROXY: 'https://proxy.corp' }, 'https://pypi.org/')).toBe('https://proxy.corp:443 (HTTPS_PROXY)');
    expect(via({ HTTPS_PROXY: 'http://[fd00::1]:3128' }, 'https://pypi.org/')).toBe('http://[fd00::1]:3128 (HTTPS_PROXY)');
  });

  it('credentials become a Proxy-Authorization header and never appear in the label', () => {
    const r = route({ HTTPS_PROXY: 'http://ci%40corp:p%3Ass%2Fw0rd@proxy.corp:3128/' }, 'https://pypi.org/');
    expect(r.kind).toBe('proxy');
    if (r.kind !== 'proxy') return;
    expect(r.proxy.label).toBe('http://proxy.corp:3128');
    expect(r.proxy.url.href).toBe('http://proxy.corp:3128/');
    expect(r.proxy.authorization).toBe(`Basic ${Buffer.from('ci@corp:p:ss/w0rd').toString('base64')}`);
    const bare = route({ HTTPS_PROXY: 'http://proxy.corp:3128' }, 'https://pypi.org/');
    expect(bare.kind === 'proxy' && bare.proxy.authorization).toBe(undefined);
  });

  it('a proxy it cannot use is said, naming the variable and never its credentials', () => {
    expect(via({ ALL_PROXY: 'socks5://user:secret@127.0.0.1:1080' }, 'https://pypi.org/')).toBe(
      'unusable: ALL_PROXY names a socks5:// proxy (socks5://127.0.0.1:1080): molecule-publish goes through http:// and https:// proxies only',
    );
    const garbage = via({ https_proxy: 'http://user:secret@[oops:3128' }, 'https://pypi.org/');
    expect(garbage).toMatch(/^unusable: https_proxy is not a proxy URL/);
    expect(garbage).not.toContain('secret');
  });
});

describe('NO_PROXY, as curl and requests read it', () => {
  const cases: Array<[noProxy: string, url: string, direct: boolean]> = [
    ['*', 'https://pypi.org/', true],
    ['', 'https://pypi.org/', false],
    // A name matches itself and the names under it, whatever its spelling; not a longer name.
    ['example.com', 'https://example.com/', true],
    ['example.com', 'https://git.example.com/', true],
    ['.example.com', 'https://git.example.com/', true],
    ['.example.com', 'https://example.com/', true],
    ['*.example.com', 'https://git.example.com/', true],
    ['example.com', 'https://myexample.com/', false],
    ['git.example.com', 'https://example.com/', false],
    ['EXAMPLE.com.', 'https://Git.Example.COM./', true],
    // Separated by commas and spaces, one entry of many.
    ['localdomain, pypi.org ,, other', 'https://upload.pypi.org/legacy/', true],
    ['foo bar\tpypi.org', 'https://pypi.org/', true],
    // Ports: an entry with one matches that port only (the scheme's default when the URL has none).
    ['git.example.com:3000', 'https://git.example.com:3000/', true],
    ['git.example.com:3000', 'https://git.example.com/', false],
    ['git.example.com:443', 'https://git.example.com/', true],
    ['git.example.com:80', 'http://git.example.com/', true],
    // IP addresses: exact, CIDR ranges, IPv6 with or without brackets; names are never resolved.
    ['10.1.2.3', 'https://10.1.2.3/', true],
    ['10.1.2.3', 'https://10.1.2.4/', false],
    ['10.0.0.0/8', 'https://10.200.3.4:8443/', true],
    ['10.0.0.0/8', 'https://11.0.0.1/', false],
    ['192.168.0.0/16', 'https://192.168.7.7/', true],
    ['10.0.0.0/8', 'https://ten.example/', false],
    ['127.0.0.2:8080', 'http://127.0.0.2:8080/', true],
    ['127.0.0.2:8080', 'http://127.0.0.2:8081/', false],
    ['fd00::1', 'https://[fd00::1]/', true],
    ['[fd00::1]', 'https://[fd00::1]/', true],
    ['[fd00::1]:8443', 'https://[fd00::1]:8443/', true],
    ['[fd00::1]:8443', 'https://[fd00::1]/', false],
    ['fd00::/8', 'https://[fd12:3456::1]/', true],
    ['fd00::/8', 'https://[fe80::1]/', false],
    // Entries that cannot match anything are ignored.
    ['10.0.0.0/99, *.', 'https://10.0.0.1/', false],
  ];
  it.each(cases)('NO_PROXY=%j, %s: direct %s', (noProxy, url, direct) => {
    expect(NoProxy.parse(noProxy).matches(new URL(url))).toBe(direct);
    expect(via({ HTTPS_PROXY: 'http://proxy:3128', HTTP_PROXY: 'http://proxy:3128', NO_PROXY: noProxy }, url) === 'direct').toBe(direct);
  });

  it('no_proxy before NO_PROXY', () => {
    expect(via({ HTTPS_PROXY: 'http://p:1', no_proxy: 'pypi.org', NO_PROXY: 'other' }, 'https://pypi.org/')).toBe('direct');
    expect(via({ HTTPS_PROXY: 'http://p:1', no_proxy: 'other', NO_PROXY: 'pypi.org' }, 'https://pypi.org/')).toBe('http://p:1 (HTTPS_PROXY)');
  });

  it('localhost, 127.0.0.1 and ::1 always go direct (this machine); other loopback addresses follow NO_PROXY', () => {
    const env = { HTTPS_PROXY: 'http://p:1', HTTP_PROXY: 'http://p:1' };
    for (const url of ['http://localhost:3000/', 'https://LOCALHOST./', 'http://127.0.0.1:8080/', 'https://[::1]:8443/']) expect(via(env, url)).toBe('direct');
    expect(via(env, 'http://127.0.0.2:8080/')).toBe('http://p:1 (HTTP_PROXY)');
    expect(via({ ...env, NO_PROXY: '127.0.0.0/8' }, 'http://127.0.0.2:8080/')).toBe('direct');
  });
});

describe('proxy passwords, for the CI log to mask', () => {
  it('as written and decoded, from every proxy variable; none without a password', () => {
    expect(
      proxySecrets({
        HTTPS_PROXY: 'http://ci:p%40ss@proxy:3128',
        http_proxy: 'user:plain-secret@proxy:3128',
        ALL_PROXY: 'http://no-password@proxy:1',
        NO_PROXY: 'x:y@z',
      }).sort(),
    ).toEqual(['p%40ss', 'p@ss', 'plain-secret'].sort());
  });

  it('also from a value that is not a URL (a / left in the password)', () => {
    expect(proxySecrets({ HTTPS_PROXY: 'http://ci:pa/ss#w@proxy:3128' })).toContain('pa/ss#w');
  });
});

// ---------------------------------------------------------------------------------------------------
// The pool through a proxy made here: what it is asked, and what it answers.

type Behaviour = { kind: 'tunnel' } | { kind: 'silent' } | { kind: 'status'; status: number; text: string };

interface FakeProxy {
  url: string;
  connects: string[];
  /** Connections it has seen close. */
  closed: () => number;
  close(): Promise<void>;
}

async function fakeProxy(behaviour: Behaviour): Promise<FakeProxy> {
  const connects: string[] = [];
  const sockets = new Set<net.Socket>();
  let closed = 0;
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => {
      closed++;
      sockets.delete(client);
    });
    client.on('error', () => undefined);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      client.off('data', onData);
      const [method, target] = head.subarray(0, end).toString('latin1').split(' ');
      connects.push(`${method} ${target}`);
      if (behaviour.kind === 'silent') return;
      if (behaviour.kind === 'status') {
        client.end(`HTTP/1.1 ${behaviour.status} ${behaviour.text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
        return;
      }
      const [host, port] = (target ?? '').split(/:(?=\d+$)/);
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection established\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length) upstream.write(rest);
        client.pipe(upstream).pipe(client);
      });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => sockets.delete(upstream));
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connects,
    closed: () => closed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const open: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

describe('the pool through a proxy', () => {
  let pki: TestPki;
  let cert127002: { key: string; cert: string };
  beforeAll(async () => {
    pki = await makePki();
    cert127002 = await serverCertFor(pki, '127.0.0.2');
  });

  /** An https server on 127.0.0.2 that answers every request with its path. */
  async function registry(certificate: { key: string; cert: string }): Promise<string> {
    const server = https.createServer({ ...certificate }, (req, res) => res.end(`you asked ${req.url}`));
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    open.push({
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    });
    return `https://127.0.0.2:${(server.address() as AddressInfo).port}`;
  }

  function pool(proxy: FakeProxy, timeoutMs = 2000): ConnectionPool {
    const p = new ConnectionPool({ timeoutMs, tls: { ca: [pki.caPem] }, proxyEnv: { HTTPS_PROXY: proxy.url } });
    open.push(p);
    return p;
  }

  async function get(p: ConnectionPool, url: string): Promise<string> {
    const res = await httpRequest(url, p, { method: 'GET', headers: {} });
    return readText(res.body, 1024);
  }

  it('tunnels https with CONNECT, verifies the registry against its own address, and keeps the tunnel alive', async () => {
    const proxy = await fakeProxy({ kind: 'tunnel' });
    open.push(proxy);
    const url = await registry(cert127002);
    const p = pool(proxy);
    expect(await get(p, `${url}/one`)).toBe('you asked /one');
    expect(await get(p, `${url}/two`)).toBe('you asked /two');
    expect(proxy.connects).toEqual([`CONNECT ${url.replace('https://', '')}`]);
  });

  it('refuses a certificate for another address, even the proxy’s own (127.0.0.1)', async () => {
    const proxy = await fakeProxy({ kind: 'tunnel' });
    open.push(proxy);
    const url = await registry({ key: pki.serverKey, cert: pki.serverCert });
    const err = await httpRequest(url, pool(proxy), { method: 'GET', headers: {} }).catch((e: unknown) => e);
    const outcome = networkOutcome(err);
    expect(outcome).toMatchObject({ kind: 'network', code: 'ERR_TLS_CERT_ALTNAME_INVALID', retryable: false });
    expect(proxy.connects).toHaveLength(1);
  });

  it('a proxy that accepts and never answers CONNECT: the connect timeout, and its socket closed', async () => {
    const proxy = await fakeProxy({ kind: 'silent' });
    open.push(proxy);
    const started = Date.now();
    const err = await httpRequest('https://127.0.0.2:1/', pool(proxy, 300), { method: 'GET', headers: {} }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(networkOutcome(err)).toEqual({
      kind: 'network',
      code: 'MOLECULE_CONNECT_TIMEOUT',
      retryable: true,
      message: `timed out while connecting (through the proxy ${proxy.url})`,
    });
    await expect.poll(() => proxy.closed()).toBe(1);
  });

  it.each([
    [407, 'Proxy Authentication Required', false, 'HTTPS_PROXY has no credentials; give them in it (http://USER:PASSWORD@HOST:PORT)'],
    [
      403,
      'Forbidden',
      false,
      'the proxy does not let this run reach 127.0.0.2; ask its administrators, or add the host to NO_PROXY if it is reachable directly',
    ],
  ] as const)('CONNECT answered %i: one line naming the proxy, not retryable', async (status, text, retryable, hint) => {
    const proxy = await fakeProxy({ kind: 'status', status, text });
    open.push(proxy);
    const err = await httpRequest('https://127.0.0.2:4443/x', pool(proxy), { method: 'GET', headers: {} }).catch((e: unknown) => e);
    expect(networkOutcome(err)).toEqual({
      kind: 'network',
      code: 'MOLECULE_PROXY_REFUSED',
      retryable,
      message: `the proxy ${proxy.url} refused the tunnel to 127.0.0.2:4443 (HTTP ${status} ${text}): ${hint}`,
    });
  });

  it('CONNECT answered 502 (the proxy could not reach the registry): retryable', async () => {
    const proxy = await fakeProxy({ kind: 'status', status: 502, text: 'Bad Gateway' });
    open.push(proxy);
    const err = await httpRequest('https://127.0.0.2:4443/', pool(proxy), { method: 'GET', headers: {} }).catch((e: unknown) => e);
    expect(networkOutcome(err)).toEqual({
      kind: 'network',
      code: 'MOLECULE_PROXY_TUNNEL',
      retryable: true,
      message: `the proxy ${proxy.url} could not open the tunnel to 127.0.0.2:4443 (HTTP 502 Bad Gateway)`,
    });
  });

  it('a proxy that is not there: the network error, naming the proxy', async () => {
    const proxy = await fakeProxy({ kind: 'tunnel' });
    await proxy.close();
    const p = new ConnectionPool({ timeoutMs: 2000, proxyEnv: { https_proxy: proxy.url } });
    open.push(p);
    const err = await httpRequest('https://127.0.0.2:4443/', p, { method: 'GET', headers: {} }).catch((e: unknown) => e);
    expect(networkOutcome(err)).toMatchObject({ retryable: true, message: `connection refused (through the proxy ${proxy.url})` });
  });

  it('an unusable proxy variable fails the request at once, not retryable', async () => {
    const p = new ConnectionPool({ timeoutMs: 2000, proxyEnv: { HTTPS_PROXY: `socks5://u:${randomBytes(4).toString('hex')}@127.0.0.1:1080` } });
    open.push(p);
    const err = await httpRequest('https://127.0.0.2:4443/', p, { method: 'GET', headers: {} }).catch((e: unknown) => e);
    expect(networkOutcome(err)).toMatchObject({ code: 'MOLECULE_PROXY_UNUSABLE', retryable: false });
  });
});
