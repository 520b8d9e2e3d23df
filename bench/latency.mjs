// The latency rows: a release published over a link with a round-trip time (bench/latency-proxy.mjs in
// front of the sink), molecule-publish and twine side by side in the same run, at 0, 50 and 150 ms.
// The number of sequential round trips is read off the times: (wall at 150 ms - wall at 0 ms) / 150 ms.
import { startLatencyProxy } from './latency-proxy.mjs';
import { measure, median } from './proc.mjs';
import { startSink } from './sink.mjs';

export const LATENCY_RTTS_MS = [0, 50, 150];

/**
 * sets: [{ id, label, files, dir }]; tools(url, set) → [{ tool, cmd, args, env }].
 * Returns per set and RTT: each tool's median wall time, requests and new connections.
 */
export async function latencyBench({ sets, tools, runs, log, onSpawn, cwd }) {
  const sink = await startSink({});
  const rows = [];
  try {
    for (const set of sets) {
      for (const rttMs of LATENCY_RTTS_MS) {
        const proxy = await startLatencyProxy({ target: sink.url, rttMs });
        try {
          const row = { set: set.id, label: set.label, files: set.files.length, rttMs, tools: {} };
          for (const t of tools(proxy.url, set)) {
            const walls = [];
            let last;
            for (let i = 0; i < runs; i++) {
              sink.reset();
              proxy.reset();
              const r = await measure(t.cmd, t.args, { env: t.env, cwd, timeoutMs: 300_000, onSpawn });
              const stats = sink.stats();
              const ok = r.code === 0 && stats.accepted === set.files.length;
              if (!ok)
                log(`  ${t.tool} ${set.id} ${rttMs} ms: exit ${r.code}, accepted ${stats.accepted}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
              walls.push(ok ? r.wallMs : Number.NaN);
              last = {
                requests: stats.uploads + stats.indexReads,
                uploads: stats.uploads,
                indexReads: stats.indexReads,
                connections: proxy.stats().connections,
              };
            }
            row.tools[t.tool] = { wallMs: median(walls.filter((w) => !Number.isNaN(w))), okRuns: walls.filter((w) => !Number.isNaN(w)).length, runs, ...last };
          }
          rows.push(row);
          const m = row.tools.molecule;
          const tw = row.tools.twine;
          log(
            `  ${set.id} at ${rttMs} ms: molecule ${(m.wallMs / 1000).toFixed(2)} s (${m.requests} requests, ${m.connections} connections)` +
              (tw ? `, twine ${(tw.wallMs / 1000).toFixed(2)} s (${tw.requests} requests, ${tw.connections} connections)` : ''),
          );
        } finally {
          await proxy.close();
        }
      }
    }
  } finally {
    await sink.close();
  }
  // Sequential round trips, from the slope between 0 and 150 ms.
  for (const set of sets) {
    const at = (rtt) => rows.find((r) => r.set === set.id && r.rttMs === rtt);
    const lo = at(0);
    const hi = at(150);
    if (!lo || !hi) continue;
    for (const tool of Object.keys(hi.tools)) {
      hi.tools[tool].roundTrips = (hi.tools[tool].wallMs - lo.tools[tool].wallMs) / 150;
    }
  }
  return rows;
}

export function renderLatency(rows, out) {
  out.push('', '### Over a link with latency (a delaying TCP proxy in front of the sink)', '');
  out.push(
    '| set | RTT | molecule-publish | twine | ratio | molecule requests / connections | twine requests / connections | sequential round trips (molecule / twine) |',
  );
  out.push('|---|---:|---:|---:|---:|---|---|---|');
  for (const r of rows) {
    const m = r.tools.molecule;
    const t = r.tools.twine;
    const ratio = t ? (m.wallMs / t.wallMs).toFixed(2) : '—';
    const rts = m.roundTrips !== undefined ? `${m.roundTrips.toFixed(1)} / ${t?.roundTrips?.toFixed(1) ?? '—'}` : '';
    out.push(
      `| ${r.label} | ${r.rttMs} ms | ${(m.wallMs / 1000).toFixed(2)} s | ${t ? `${(t.wallMs / 1000).toFixed(2)} s` : '—'} | ${ratio}× | ${m.requests} / ${m.connections} | ${t ? `${t.requests} / ${t.connections}` : '—'} | ${rts} |`,
    );
  }
}
