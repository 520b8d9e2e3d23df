/**
 * A real forward proxy for tests: Debian's tinyproxy, started in the foreground on 127.0.0.1 with a
 * generated configuration (optionally Basic credentials, and a filter that refuses hosts), its log
 * read back to see what went through it. And relays that put a test registry on another loopback
 * address (127.0.0.2, which the always-direct loopback names do not cover), in clear or behind TLS
 * with a certificate for that address from the tests' throwaway CA.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import type { TestPki } from './tls.js';

const run = promisify(execFile);

/** tinyproxy's path, or undefined when it is not installed (.ci/run installs it). */
export function findTinyproxy(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'];
  return dirs
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'tinyproxy'))
    .find((path) => existsSync(path));
}

export interface Tinyproxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The requests it was asked for so far, as `METHOD target` (`CONNECT 127.0.0.2:4321`, `GET http://…`). */
  requests(): Promise<string[]>;
  /** Its whole log. */
  log(): Promise<string>;
  close(): Promise<void>;
}

export interface TinyproxyOptions {
  /** Basic credentials it requires (407 without them). */
  auth?: { user: string; password: string };
  /** Hosts it refuses (403), as extended regular expressions. */
  deny?: string[];
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startTinyproxy(binary: string, options: TinyproxyOptions = {}): Promise<Tinyproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'molecule-tinyproxy-'));
  const logFile = join(dir, 'tinyproxy.log');
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const lines = [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 30',
      `LogFile "${logFile}"`,
      // Connect: one line per connection and per request, the level that shows what went through.
      'LogLevel Connect',
      'MaxClients 100',
      'Allow 127.0.0.1',
      'DisableViaHeader Yes',
    ];
    if (options.auth) lines.push(`BasicAuth ${options.auth.user} ${options.auth.password}`);
    if (options.deny?.length) {
      await writeFile(join(dir, 'filter'), `${options.deny.join('\n')}\n`);
      lines.push(`Filter "${join(dir, 'filter')}"`, 'FilterType ere');
    }
    const conf = join(dir, 'tinyproxy.conf');
    await writeFile(conf, `${lines.join('\n')}\n`);
    const child = spawn(binary, ['-d', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let exitedEarly = false;
    void exited.then(() => (exitedEarly = true));
    const deadline = Date.now() + 5000;
    while (!exitedEarly && Date.now() < deadline && !(await canConnect(port))) await new Promise((r) => setTimeout(r, 20));
    if (!exitedEarly && Date.now() < deadline) return tinyproxyHandle(child, exited, port, logFile);
    child.kill('SIGKILL');
    await exited;
    // Another process took the port between freePort() and tinyproxy's bind: once more.
    if (attempt < 3) continue;
    throw new Error(`tinyproxy did not start: ${output.trim()}`);
  }
}

function tinyproxyHandle(child: ChildProcess, exited: Promise<void>, port: number, logFile: string): Tinyproxy {
  const log = () => readFile(logFile, 'utf8').catch(() => '');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    requests: async () => [...(await log()).matchAll(/Request \(file descriptor \d+\): (\S+) (\S+)/g)].map((m) => `${m[1]} ${m[2]}`),
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Relay {
  /** http(s)://127.0.0.2:PORT */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface RelayOptions {
  host?: string;
  /** Terminate TLS here with this key and certificate (the registry then speaks https). */
  tls?: { key: string; cert: string; ca?: string; requireClientCert?: boolean };
}

/** A test registry (on 127.0.0.1) reachable at another loopback address: bytes piped both ways. */
export async function startRelay(upstreamUrl: string, options: RelayOptions = {}): Promise<Relay> {
  const upstream = new URL(upstreamUrl);
  const host = options.host ?? '127.0.0.2';
  const sockets = new Set<net.Socket>();
  const pipe = (client: net.Socket) => {
    const back = net.connect(Number(upstream.port), upstream.hostname);
    sockets.add(client).add(back);
    client.pipe(back).pipe(client);
    const end = () => {
      client.destroy();
      back.destroy();
      sockets.delete(client);
      sockets.delete(back);
    };
    client.on('error', end).on('close', end);
    back.on('error', end).on('close', end);
  };
  const server = options.tls
    ? tls.createServer(
        {
          key: options.tls.key,
          cert: options.tls.cert,
          ...(options.tls.ca ? { ca: [options.tls.ca] } : {}),
          requestCert: options.tls.requireClientCert === true,
          rejectUnauthorized: options.tls.requireClientCert === true,
        },
        pipe,
      )
    : net.createServer(pipe);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A server certificate for one IP address, signed by the tests' CA (makePki leaves its key in pki.dir). */
export async function serverCertFor(pki: TestPki, ip: string): Promise<{ key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'molecule-cert-'));
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir });
  await writeFile(join(dir, 'san.ext'), `subjectAltName=IP:${ip}\n`);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${ip}`]);
  await openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    join(pki.dir, 'ca.pem'),
    '-CAkey',
    join(pki.dir, 'ca.key'),
    '-CAcreateserial',
    '-CAserial',
    join(dir, 'ca.srl'),
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  ]);
  return { key: await readFile(join(dir, 'server.key'), 'utf8'), cert: await readFile(join(dir, 'server.pem'), 'utf8') };
}
