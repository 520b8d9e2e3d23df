/**
 * TLS for tests: a throwaway CA, a server certificate for 127.0.0.1 and a client certificate, made
 * with the openssl command line in a temp folder, and a TLS-terminating proxy in front of a plain
 * http test registry.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  dir: string;
  caFile: string;
  caPem: string;
  serverKey: string;
  serverCert: string;
  /** PEM file holding the client certificate and its key. */
  clientPemFile: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

export async function makePki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'molecule-pki-'));
  await openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=molecule test CA']);
  await writeFile(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  ]);
  await openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=molecule client']);
  await openssl(dir, ['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2']);
  const clientPemFile = join(dir, 'client-combined.pem');
  await writeFile(clientPemFile, (await readFile(join(dir, 'client.pem'), 'utf8')) + (await readFile(join(dir, 'client.key'), 'utf8')));
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    caPem: await readFile(join(dir, 'ca.pem'), 'utf8'),
    serverKey: await readFile(join(dir, 'server.key'), 'utf8'),
    serverCert: await readFile(join(dir, 'server.pem'), 'utf8'),
    clientPemFile,
  };
}

export interface TlsProxy {
  /** https://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

/** Terminates TLS on 127.0.0.1 and forwards the bytes to a plain http server. */
export async function startTlsProxy(pki: TestPki, upstreamUrl: string, options: { requireClientCert?: boolean } = {}): Promise<TlsProxy> {
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      key: pki.serverKey,
      cert: pki.serverCert,
      ca: [pki.caPem],
      requestCert: options.requireClientCert === true,
      rejectUnauthorized: options.requireClientCert === true,
    },
    (client) => {
      const back = net.connect(Number(upstream.port), upstream.hostname);
      sockets.add(client);
      sockets.add(back);
      client.pipe(back).pipe(client);
      const end = () => {
        client.destroy();
        back.destroy();
      };
      client.on('error', end).on('close', end);
      back.on('error', end).on('close', end);
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
