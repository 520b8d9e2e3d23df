// A TCP proxy on 127.0.0.1 that puts a link's latency in front of a loopback server: every chunk is
// held for half the round-trip time in each direction, and a new connection's first bytes wait one
// more round trip (the TCP handshake a real link costs before the client may send). It counts the
// connections, so a run's new connections can be told apart from its requests.
//
//   const proxy = await startLatencyProxy({ target: 'http://127.0.0.1:PORT', rttMs: 150 });
//   proxy.url  // http://127.0.0.1:OTHER, to use in place of the target
//   proxy.stats()  // { connections }
//   await proxy.close();
import net from 'node:net';

/** Writes each chunk `delayMs` after it arrived, in order (one FIFO and one timer at a time). */
function delayedPipe(from, to, delayMs, firstExtraMs = 0) {
  const queue = [];
  let timer;
  let first = true;
  const pump = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length && queue[0].due <= now + 0.5) {
      const { chunk } = queue.shift();
      if (chunk === null) to.end();
      else if (to.writable) to.write(chunk);
    }
    if (queue.length) timer = setTimeout(pump, Math.max(0, queue[0].due - performance.now()));
  };
  const push = (chunk, extra) => {
    const last = queue.length ? queue[queue.length - 1].due : 0;
    queue.push({ chunk, due: Math.max(performance.now() + delayMs + extra, last) });
    if (!timer) timer = setTimeout(pump, Math.max(0, queue[0].due - performance.now()));
  };
  from.on('data', (chunk) => {
    push(chunk, first ? firstExtraMs : 0);
    first = false;
  });
  from.on('end', () => push(null, 0));
}

export async function startLatencyProxy({ target, rttMs }) {
  const { hostname, port } = new URL(target);
  let connections = 0;
  const sockets = new Set();
  const server = net.createServer((client) => {
    connections += 1;
    const upstream = net.connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    delayedPipe(client, upstream, rttMs / 2, rttMs);
    delayedPipe(upstream, client, rttMs / 2);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stats: () => ({ connections }),
    reset: () => {
      connections = 0;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
