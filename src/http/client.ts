/**
 * The HTTP client: Node's own http/https with a keep-alive pool per target, and the three bounds a
 * publisher needs (connecting, waiting for the answer, a stalled answer).
 *
 * Why not undici: its HTTP parser is WebAssembly. V8 compiles it twice, the second time (TurboFan)
 * on a background thread that the process waits for at exit: about 150 ms and 35 MB on every run of
 * a two-file release, more than the whole release takes on a near server. Node's http parser is
 * native and already in the binary. Node's `req.write(chunk, callback)` also says when a chunk has
 * left the process, which is what lets an upload reuse two fixed read buffers (send.ts).
 */
import type { LookupFunction } from 'node:net';
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { hostPort, ProxyRules, proxyAgent, proxyRefusal, type HttpProxy, type ProxyEnv } from './proxy.js';

export interface HttpOptions {
  /** Bounds connecting, and any stall while an answer is read. */
  timeoutMs: number;
  /** Connections kept per origin (kept alive between requests). */
  connections?: number;
  /** Extra TLS material: CA certificates added to the system's, a client certificate and key (PEM). */
  tls?: TlsOptions;
  /** Test seam: the DNS look-up (e.g. one that always fails). */
  lookup?: LookupFunction;
  /** Where HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY are read (default process.env); see proxy.ts. */
  proxyEnv?: ProxyEnv;
}

export interface TlsOptions {
  /** PEM CA certificates trusted in addition to Node's bundled roots. */
  ca?: string[];
  /** PEM client certificate and key (twine's --client-cert: one file holding both). */
  clientCert?: string;
}

type Agent = import('node:http').Agent;
type Transport = { request: typeof import('node:http').request; Agent: typeof import('node:http').Agent };

// node:http and node:https are loaded on first use: `check`, `--help` and `--version` never pay for them.
let httpModule: Transport | undefined;
let httpsModule: Transport | undefined;
async function transportFor(protocol: string): Promise<Transport> {
  if (protocol === 'https:') {
    httpsModule ??= (await import('node:https')).default as unknown as Transport;
    return httpsModule;
  }
  if (protocol === 'http:') {
    httpModule ??= (await import('node:http')).default as Transport;
    return httpModule;
  }
  throw new HttpError(`unsupported URL scheme ${protocol}`, 'MOLECULE_BAD_URL');
}

/**
 * Keep-alive connections for one target (or one task), closed when it is done: one Agent per scheme,
 * and per scheme and proxy when the environment names proxies (each URL's own, NO_PROXY's go direct).
 */
export class ConnectionPool {
  readonly timeoutMs: number;
  private readonly agents = new Map<string, Promise<Agent>>();
  private readonly proxies: ProxyRules | undefined;
  /** Refusals by a proxy (403, 407), per proxy and host:port: later requests there fail with them at once. */
  private readonly refusals = new Map<string, Error>();

  constructor(private readonly options: HttpOptions) {
    this.timeoutMs = options.timeoutMs;
    this.proxies = ProxyRules.fromEnv(options.proxyEnv ?? process.env);
  }

  async agentFor(url: URL): Promise<{ transport: Transport; agent: Agent; proxy?: HttpProxy }> {
    const transport = await transportFor(url.protocol);
    const route = this.proxies?.route(url) ?? { kind: 'direct' };
    if (route.kind === 'unusable') throw new HttpError(route.message, 'MOLECULE_PROXY_UNUSABLE');
    const proxy = route.kind === 'proxy' ? route.proxy : undefined;
    const key = proxy ? `${url.protocol} ${proxy.label}` : url.protocol;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = this.newAgent(url.protocol, transport, proxy);
      this.agents.set(key, agent);
    }
    return proxy ? { transport, agent: await agent, proxy } : { transport, agent: await agent };
  }

  private async newAgent(protocol: string, transport: Transport, proxy: HttpProxy | undefined): Promise<Agent> {
    const tls: { ca?: string[]; cert?: string; key?: string } = {};
    // Node's `ca` option replaces the default roots: keep them, so a private CA for Gitea does not
    // break PyPI's public certificate (twine's --cert replaces; adding is what a mixed release needs).
    if (this.options.tls?.ca?.length) tls.ca = [...(await import('node:tls')).rootCertificates, ...this.options.tls.ca];
    if (this.options.tls?.clientCert) {
      tls.cert = this.options.tls.clientCert;
      tls.key = this.options.tls.clientCert;
    }
    const maxSockets = this.options.connections ?? 8;
    const lookup = this.options.lookup ? { lookup: this.options.lookup } : {};
    // The proxy's Agents load only here, for a URL that goes through one.
    if (proxy) return proxyAgent(proxy, protocol === 'https:', { maxSockets, timeoutMs: this.timeoutMs, tls, ...lookup });
    return new transport.Agent({
      keepAlive: true,
      maxSockets,
      scheduling: 'lifo',
      ...(protocol === 'https:' ? tls : {}),
      ...lookup,
    });
  }

  /**
   * A proxy's refusal is not asked again within the run: its credentials and rules do not change, and a
   * forwarded upload may never see the answer (a proxy that refuses the headers and closes while the body
   * is still coming resets the connection), where the index read before it did.
   */
  refusalFor(proxy: HttpProxy, target: URL): Error | undefined {
    return this.refusals.get(`${proxy.label} ${hostPort(target)}`);
  }

  noteRefusal(proxy: HttpProxy, target: URL, err: unknown): void {
    if ((err as { code?: unknown } | undefined)?.code === 'MOLECULE_PROXY_REFUSED') this.refusals.set(`${proxy.label} ${hostPort(target)}`, err as Error);
  }

  close(): void {
    for (const agent of this.agents.values())
      agent.then(
        (a) => a.destroy(),
        () => undefined,
      );
    this.agents.clear();
  }
}

/** A transport failure with a code networkOutcome() knows (ours for the bounds, Node's otherwise). */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** A whole body, or a writer that streams one (it must write exactly Content-Length bytes). */
  body?: string | Buffer | ((req: ClientRequest) => Promise<void>);
  signal?: AbortSignal;
  /** Longest wait for the answer's headers once the body is sent; default: the pool's timeout. */
  responseTimeoutMs?: number;
}

export interface HttpResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The answer's body, to read (async iteration) or to drop with `resume()`. */
  body: IncomingMessage;
  request: ClientRequest;
}

/**
 * One request. Resolves with the answer's status and headers once they arrive, even when the server
 * answers before it has read the whole body (an early 401 or 413): the body writer then stops.
 * Rejects with the transport's error; the bounds reject with MOLECULE_CONNECT_TIMEOUT,
 * MOLECULE_HEADERS_TIMEOUT or (while the answer is read) MOLECULE_BODY_TIMEOUT.
 */
export async function httpRequest(url: string, pool: ConnectionPool, init: HttpRequest): Promise<HttpResponse> {
  const target = new URL(url);
  const { transport, agent, proxy } = await pool.agentFor(target);
  if (init.signal?.aborted) throw abortError(init.signal);
  const refused = proxy ? pool.refusalFor(proxy, target) : undefined;
  if (refused) throw refused;
  const timeoutMs = pool.timeoutMs;
  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    let connectTimer: NodeJS.Timeout | undefined;
    let answerTimer: NodeJS.Timeout | undefined;
    const fail = (err: unknown) => {
      clearTimeout(connectTimer);
      clearTimeout(answerTimer);
      if (settled) return;
      // Which proxy it went through: networkOutcome() names it in the message.
      if (proxy && typeof err === 'object' && err !== null) {
        (err as { viaProxy?: string }).viaProxy = proxy.label;
        pool.noteRefusal(proxy, target, err);
      }
      settled = true;
      init.signal?.removeEventListener('abort', onAbort);
      reject(err);
    };
    const req = transport.request(target, { method: init.method, headers: init.headers, agent });
    const onAbort = () => req.destroy(abortError(init.signal as AbortSignal));
    init.signal?.addEventListener('abort', onAbort, { once: true });

    // A request waiting in the pool for a free connection (behind uploads in flight) is not bounded
    // here; a new connection is, from when it is opened until it is connected. (Through a proxy, the
    // proxy's Agent bounds it, and hands over a socket that is connected already.)
    req.once('socket', (socket) => {
      if (!(socket as { connecting?: boolean }).connecting) return;
      connectTimer = setTimeout(() => req.destroy(new HttpError('timed out while connecting', 'MOLECULE_CONNECT_TIMEOUT')), timeoutMs);
      socket.once(target.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    // The wait for the answer starts when the whole body has left (a large upload may take long).
    req.once('finish', () => {
      if (settled) return;
      const ms = init.responseTimeoutMs ?? timeoutMs;
      answerTimer = setTimeout(() => req.destroy(new HttpError('timed out waiting for the server', 'MOLECULE_HEADERS_TIMEOUT')), ms);
    });
    req.on('error', fail);
    req.once('response', (res: IncomingMessage) => {
      clearTimeout(connectTimer);
      clearTimeout(answerTimer);
      if (settled) {
        res.resume();
        return;
      }
      // A 407 is always the proxy's (a server never asks for proxy credentials): plain http is
      // forwarded by the proxy, which answers in the server's place. (A tunnel's refusal is the Agent's.)
      if (proxy && target.protocol === 'http:' && res.statusCode === 407) {
        res.resume();
        if (!req.writableFinished) req.destroy();
        fail(proxyRefusal(proxy, target, 407, res.statusMessage, false));
        return;
      }
      settled = true;
      // The answer's body: a stall of timeoutMs while it is read is a timeout, as for connecting.
      res.setTimeout(timeoutMs, () => res.destroy(new HttpError('timed out reading the answer', 'MOLECULE_BODY_TIMEOUT')));
      // (A keep-alive socket's timeout is reset by the agent when it takes the socket back.)
      const done = () => init.signal?.removeEventListener('abort', onAbort);
      res.once('end', done);
      res.once('close', done);
      resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: res, request: req });
    });

    const body = init.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else
      body(req).then(
        () => {
          if (!req.destroyed && !settled) req.end();
        },
        (err: unknown) => {
          // A writer that stopped because the answer came early is not a failure of the request.
          if (!settled) req.destroy(err instanceof Error ? err : new Error(String(err)));
        },
      );
  });
}

function abortError(signal: AbortSignal): Error {
  const err = new HttpError(signal.reason instanceof Error ? signal.reason.message : 'aborted', 'ABORT_ERR');
  err.name = 'AbortError';
  return err;
}

/** Reads a whole answer as text, keeping at most `cap` bytes (the rest is read and dropped). */
export async function readText(body: AsyncIterable<Buffer>, cap: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < cap) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, cap).toString('utf8');
}
