/**
 * Proxies from the environment, read as curl and Python's requests read them (requests is what twine
 * and pip go through): HTTPS_PROXY for https:// URLs, HTTP_PROXY for http://, ALL_PROXY for either
 * when its own is unset, each in lower case first, then upper case; NO_PROXY lists what goes direct.
 * A proxy written without a scheme is http://, and its port defaults to the scheme's (80, 443).
 *
 * NO_PROXY, entries separated by commas or spaces, matched without DNS:
 * - `*` sends everything direct;
 * - a name matches itself and every name under it (`example.com`, `.example.com` and `*.example.com`
 *   all match example.com and git.example.com, not myexample.com), as curl does;
 * - an IP address matches itself, a CIDR range (`10.0.0.0/8`, `fd00::/8`) every address in it;
 *   IPv6 with or without brackets;
 * - `name:port` (`[::1]:8080`) matches that port only.
 * Beyond what NO_PROXY says, `localhost`, `127.0.0.1` and `::1` always go direct: they mean the
 * machine the run is on, which a proxy elsewhere cannot reach (Go's net/http skips loopback too;
 * requests and curl would send them to the proxy unless NO_PROXY lists them). Other loopback
 * addresses (127.0.0.2) follow NO_PROXY.
 *
 * Why not proxy-from-env for the rules: it reads process.env only (a run's environment is explicit
 * here: the library's `env`, the tests' in-process runs), it matches `example.com` to example.com
 * alone where curl and requests also match git.example.com, it knows no CIDR ranges (requests does,
 * curl since 7.86), and it gives a proxy written without a scheme the target's scheme (https://proxy
 * for an https URL) where curl and requests take http://. The rules are few, and tested one by one.
 *
 * The connections are https-proxy-agent (a CONNECT tunnel, then TLS with the registry inside it: the
 * registry's certificate is verified against the registry's name, with --cert's CAs and --client-cert)
 * and http-proxy-agent (plain http, forwarded by the proxy), node:http Agents with keep-alive. They
 * load only when a URL goes through a proxy. A proxy's password is never printed: messages name a
 * proxy as scheme://host:port, and the password is masked in CI logs (config/settings.ts).
 */
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Agent, ClientRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import type { PeerCertificate, TLSSocket } from 'node:tls';

/** Where the proxy variables are read from (a process's environment, or a run's own). */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/** The variables a proxy URL may come from, each in lower and upper case. */
export const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY'] as const;

/** A transport failure of ours, with a code networkOutcome() knows. */
export class ProxyError extends Error {
  constructor(
    message: string,
    readonly code: 'MOLECULE_PROXY_REFUSED' | 'MOLECULE_PROXY_TUNNEL' | 'MOLECULE_PROXY_UNUSABLE' | 'MOLECULE_CONNECT_TIMEOUT',
  ) {
    super(message);
  }
}

export interface HttpProxy {
  /** scheme://host:port, never with credentials: what messages name. */
  readonly label: string;
  /** The proxy's URL without credentials. */
  readonly url: URL;
  /** The variable it was read from, as spelt in the environment (https_proxy, HTTPS_PROXY, …). */
  readonly variable: string;
  /** `Basic …` from the URL's user and password, when it has them. */
  readonly authorization?: string;
}

export type ProxyRoute = { kind: 'direct' } | { kind: 'proxy'; proxy: HttpProxy } | { kind: 'unusable'; message: string };

const DIRECT: ProxyRoute = { kind: 'direct' };
const ALWAYS_DIRECT = new Set(['localhost', '127.0.0.1', '::1']);

interface Found {
  name: string;
  value: string;
}

function lookUp(env: ProxyEnv, name: string): Found | undefined {
  for (const spelt of [name.toLowerCase(), name.toUpperCase()]) {
    const value = env[spelt]?.trim();
    if (value) return { name: spelt, value };
  }
  return undefined;
}

/** A URL's host as NO_PROXY compares it: lower case, no brackets, no trailing dot. */
function bareHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

function effectivePort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

type NoProxyEntry = { port: number | undefined } & ({ kind: 'name'; name: string } | { kind: 'ip'; list: BlockList; family: 'ipv4' | 'ipv6' });

/** One NO_PROXY entry, or undefined when it cannot match anything (it is then ignored, as curl does). */
function parseNoProxyEntry(raw: string): NoProxyEntry | undefined {
  let text = raw.toLowerCase();
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?(\/\d+)?$/.exec(text);
  if (bracketed) {
    text = `${bracketed[1]}${bracketed[3] ?? ''}`;
    if (bracketed[2]) port = Number(bracketed[2]);
  } else {
    // host:port has one colon; an IPv6 address without brackets has several (and no port).
    const withPort = /^([^:]+):(\d+)$/.exec(text);
    if (withPort) {
      text = withPort[1] as string;
      port = Number(withPort[2]);
    }
  }
  const cidr = /^(.+)\/(\d{1,3})$/.exec(text);
  const address = cidr ? (cidr[1] as string) : text;
  const version = isIP(address);
  if (version !== 0) {
    const family = version === 4 ? 'ipv4' : 'ipv6';
    const list = new BlockList();
    if (cidr) {
      const prefix = Number(cidr[2]);
      if (prefix > (version === 4 ? 32 : 128)) return undefined;
      list.addSubnet(address, prefix, family);
    } else list.addAddress(address, family);
    return { kind: 'ip', list, family, port };
  }
  if (cidr) return undefined;
  const name = text.replace(/^\*/, '').replace(/^\.+/, '').replace(/\.$/, '');
  return name ? { kind: 'name', name, port } : undefined;
}

/** What NO_PROXY (or no_proxy) says, ready to match URLs against. */
export class NoProxy {
  private constructor(
    private readonly all: boolean,
    private readonly entries: readonly NoProxyEntry[],
  ) {}

  static parse(value: string | undefined): NoProxy {
    const items = (value ?? '').split(/[\s,]+/).filter((item) => item !== '');
    if (items.includes('*')) return new NoProxy(true, []);
    return new NoProxy(
      false,
      items.map(parseNoProxyEntry).filter((e): e is NoProxyEntry => e !== undefined),
    );
  }

  /** True when this URL goes direct. */
  matches(url: URL): boolean {
    if (this.all) return true;
    const host = bareHost(url.hostname);
    const port = effectivePort(url);
    const version = isIP(host);
    return this.entries.some((entry) => {
      if (entry.port !== undefined && entry.port !== port) return false;
      if (entry.kind === 'name') return version === 0 && (host === entry.name || host.endsWith(`.${entry.name}`));
      if (version === 0) return false;
      // An IPv4 range also holds the IPv4-mapped IPv6 form of its addresses (BlockList knows both).
      return entry.list.check(host, version === 4 ? 'ipv4' : 'ipv6');
    });
  }
}

/** The proxy settings of one environment: which URL goes through which proxy. */
export class ProxyRules {
  private readonly parsed = new Map<string, HttpProxy | string>();

  private constructor(
    private readonly env: ProxyEnv,
    private readonly noProxy: NoProxy,
  ) {}

  /** The rules, or undefined when no proxy variable is set (everything goes direct). */
  static fromEnv(env: ProxyEnv): ProxyRules | undefined {
    if (!PROXY_VARIABLES.some((name) => env[name]?.trim())) return undefined;
    return new ProxyRules(env, NoProxy.parse(lookUp(env, 'no_proxy')?.value));
  }

  route(url: URL): ProxyRoute {
    const scheme = url.protocol.replace(/:$/, '');
    if (scheme !== 'http' && scheme !== 'https') return DIRECT;
    const found = lookUp(this.env, `${scheme}_proxy`) ?? lookUp(this.env, 'all_proxy');
    if (!found) return DIRECT;
    if (ALWAYS_DIRECT.has(bareHost(url.hostname)) || this.noProxy.matches(url)) return DIRECT;
    let proxy = this.parsed.get(found.name);
    if (proxy === undefined) {
      proxy = parseProxy(found);
      this.parsed.set(found.name, proxy);
    }
    return typeof proxy === 'string' ? { kind: 'unusable', message: proxy } : { kind: 'proxy', proxy };
  }
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A proxy from its variable, or why it cannot be used (a message that never holds the value's credentials). */
function parseProxy(found: Found): HttpProxy | string {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(found.value) ? found.value : `http://${found.value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${found.name} is not a proxy URL (give it as http://HOST:PORT, or http://USER:PASSWORD@HOST:PORT with the password URL-encoded)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `${found.name} names a ${url.protocol}// proxy (${url.protocol}//${url.host}): molecule-publish goes through http:// and https:// proxies only`;
  }
  if (!url.hostname) return `${found.name} names no proxy host`;
  const port = effectivePort(url);
  const clean = new URL(`${url.protocol}//${url.host}`);
  const proxy: HttpProxy = {
    label: `${url.protocol}//${url.hostname}:${port}`,
    url: clean,
    variable: found.name,
    ...(url.username || url.password
      ? { authorization: `Basic ${Buffer.from(`${decoded(url.username)}:${decoded(url.password)}`, 'utf8').toString('base64')}` }
      : {}),
  };
  return proxy;
}

/**
 * The passwords in the proxy variables, as written and decoded: what a CI log must mask. Also for
 * values that do not parse as URLs (a `/` or `#` left unencoded in the password).
 */
export function proxySecrets(env: ProxyEnv): string[] {
  const secrets = new Set<string>();
  const add = (password: string) => {
    for (const value of [password, decoded(password)]) if (value) secrets.add(value);
  };
  for (const name of PROXY_VARIABLES) {
    const value = env[name]?.trim();
    if (!value) continue;
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
    try {
      const url = new URL(withScheme);
      if (url.password) add(url.password);
    } catch {
      // not a URL: the text below still finds what looks like a password
    }
    const rest = withScheme.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
    const at = rest.lastIndexOf('@');
    if (at === -1) continue;
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon !== -1) add(userinfo.slice(colon + 1));
  }
  return [...secrets];
}

/** host:port of a URL, as a CONNECT names it. */
export function hostPort(url: URL): string {
  return `${url.hostname}:${effectivePort(url)}`;
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  407: 'Proxy Authentication Required',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** A proxy's answer other than 200 to a CONNECT (tunnel) or a 407 to a forwarded request. */
export function proxyRefusal(proxy: HttpProxy, target: URL, status: number, statusText: string | undefined, tunnel: boolean): ProxyError {
  const text = statusText && /^[\x20-\x7e]{1,80}$/.test(statusText.trim()) ? statusText.trim() : STATUS_TEXT[status];
  const reason = `HTTP ${status}${text ? ` ${text}` : ''}`;
  const what = tunnel ? `the tunnel to ${hostPort(target)}` : `the request to ${hostPort(target)}`;
  if (status >= 500) return new ProxyError(`the proxy ${proxy.label} could not open ${what} (${reason})`, 'MOLECULE_PROXY_TUNNEL');
  let hint = '';
  // A 401 to a CONNECT is the proxy's too (tinyproxy's answer to wrong credentials).
  if (status === 407 || (tunnel && status === 401)) {
    hint = proxy.authorization
      ? `: check ${proxy.variable}'s credentials`
      : `: ${proxy.variable} has no credentials; give them in it (http://USER:PASSWORD@HOST:PORT)`;
  } else if (status === 403) {
    hint = `: the proxy does not let this run reach ${bareHost(target.hostname)}; ask its administrators, or add the host to NO_PROXY if it is reachable directly`;
  }
  return new ProxyError(`the proxy ${proxy.label} refused ${what} (${reason})${hint}`, 'MOLECULE_PROXY_REFUSED');
}

export interface ProxyAgentOptions {
  maxSockets: number;
  /** Bounds a new connection: to the proxy, its answer to CONNECT and the TLS handshake with the registry. */
  timeoutMs: number;
  lookup?: LookupFunction;
  /** The registry's TLS: CAs (also trusted for an https:// proxy), a client certificate and key. */
  tls: { ca?: string[]; cert?: string; key?: string };
}

type Libraries = {
  HttpsProxyAgent: typeof import('https-proxy-agent').HttpsProxyAgent;
  HttpProxyAgent: typeof import('http-proxy-agent').HttpProxyAgent;
  checkServerIdentity: typeof import('node:tls').checkServerIdentity;
};

let libraries: Promise<Libraries> | undefined;

function loadLibraries(): Promise<Libraries> {
  libraries ??= (async () => {
    // Both log through `debug` when DEBUG names them, and what they log holds the request's head (the
    // registry's credentials) and the options (a client key). `debug` reads DEBUG once, as it loads:
    // it loads here without it, and stays silent.
    const debug = process.env.DEBUG;
    delete process.env.DEBUG;
    try {
      const [https, http, tls] = await Promise.all([import('https-proxy-agent'), import('http-proxy-agent'), import('node:tls')]);
      return { HttpsProxyAgent: https.HttpsProxyAgent, HttpProxyAgent: http.HttpProxyAgent, checkServerIdentity: tls.checkServerIdentity };
    } finally {
      if (debug !== undefined) process.env.DEBUG = debug;
    }
  })();
  return libraries;
}

/**
 * Runs one new connection's opening under the connect bound: `open` starts it with the signal that
 * destroys its socket if the bound passes first (a proxy that accepts and never answers leaves
 * nothing behind to hold the process).
 */
async function bounded<T extends Duplex>(timeoutMs: number, open: (signal: AbortSignal) => Promise<T>, then?: (socket: T) => Promise<void>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new ProxyError('timed out while connecting', 'MOLECULE_CONNECT_TIMEOUT');
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  const opening = open(controller.signal);
  // Settled after the bound passed: nothing waits for it any more.
  opening.then(
    (socket) => {
      if (controller.signal.aborted) socket.destroy();
    },
    () => undefined,
  );
  try {
    const socket = await Promise.race([opening, timeout]);
    if (then) {
      try {
        await Promise.race([then(socket), timeout]);
      } catch (err) {
        socket.on('error', () => undefined);
        socket.destroy();
        throw err;
      }
    }
    return socket;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once the TLS handshake is done (the certificate verified), rejects with its error. */
function secured(socket: TLSSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = () => {
      socket.off('error', fail);
      resolve();
    };
    const fail = (err: Error) => {
      socket.off('secureConnect', ok);
      reject(err);
    };
    socket.once('secureConnect', ok).once('error', fail);
  });
}

/** A keep-alive Agent for URLs of one scheme through one proxy. */
export async function proxyAgent(proxy: HttpProxy, secureEndpoint: boolean, options: ProxyAgentOptions): Promise<Agent> {
  const lib = await loadLibraries();
  const common = {
    keepAlive: true,
    maxSockets: options.maxSockets,
    scheduling: 'lifo' as const,
    ...(options.lookup ? { lookup: options.lookup } : {}),
    // The credentials travel as a header, never in the URL the libraries hold.
    ...(proxy.authorization ? { headers: { 'Proxy-Authorization': proxy.authorization } } : {}),
  };
  const proxyUrl = proxy.url.href;

  if (secureEndpoint) {
    const { cert, key } = options.tls;
    // The library keeps none of the Agent's options for the requests' connections: the registry's TLS
    // options are given to each tunnel here. The CAs also go to the proxy's own TLS (an https://
    // proxy), through the constructor; the client certificate only to the registry.
    const ca = options.tls.ca ? { ca: options.tls.ca } : {};
    class Tunnel extends lib.HttpsProxyAgent<string> {
      private readonly opening = this.connectOpts;

      override async connect(req: ClientRequest, opts: Parameters<InstanceType<Libraries['HttpsProxyAgent']>['connect']>[1]) {
        let refused: { statusCode: number; statusText?: string } | undefined;
        const onProxyConnect = (answer: { statusCode: number; statusText?: string }) => {
          if (answer.statusCode !== 200) refused = answer;
        };
        req.once('proxyConnect', onProxyConnect);
        const registry = opts.host ?? '';
        // The registry's certificate is checked against the registry's name: the library leaves the
        // host out of the options of the TLS inside the tunnel, and Node would check the proxy's.
        const tls = {
          ...ca,
          ...(cert ? { cert, key } : {}),
          checkServerIdentity: (_host: string, certificate: PeerCertificate) => lib.checkServerIdentity(registry, certificate),
        };
        try {
          return await bounded(
            options.timeoutMs,
            async (signal) => {
              this.connectOpts = { ...this.opening, signal };
              const socket = await super.connect(req, { ...opts, ...tls });
              if (refused) {
                socket.destroy();
                throw proxyRefusal(proxy, new URL(`https://${hostFor(registry)}:${opts.port}`), refused.statusCode, refused.statusText, true);
              }
              return socket;
            },
            opts.secureEndpoint ? (socket) => secured(socket as TLSSocket) : undefined,
          );
        } finally {
          req.off('proxyConnect', onProxyConnect);
        }
      }
    }
    return new Tunnel(proxyUrl, { ...common, ...ca });
  }

  class Forward extends lib.HttpProxyAgent<string> {
    private readonly opening = this.connectOpts;

    override async connect(...[req, opts]: Parameters<InstanceType<Libraries['HttpProxyAgent']>['connect']>) {
      return bounded(options.timeoutMs, async (signal) => {
        this.connectOpts = { ...this.opening, signal };
        return super.connect(req, opts);
      });
    }
  }
  // Forwarded requests are not kept alive: tinyproxy, for one, answers in HTTP/1.1 without
  // `Connection: close` and then closes, and the next request, sent on that socket, is lost. Plain
  // http through a proxy is rare (loopback, or --allow-http); being right matters more than a handshake.
  return new Forward(proxyUrl, { ...common, keepAlive: false, ...(options.tls.ca ? { ca: options.tls.ca } : {}) });
}

function hostFor(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}
