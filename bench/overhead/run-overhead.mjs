/**
 * Overhead: the same echo through the pool and through a bare SDK Client,
 * sequential and with several calls in flight, over stdio and Streamable
 * HTTP. Rounds interleave the two clients (and swap who goes first) so that
 * drift of a loaded machine falls on both alike; a ratio is the median of
 * the rounds' ratios. Warnings (MaxListenersExceededWarning...) are counted
 * against the client that was measuring when they were emitted. Then where a
 * sequential call's time goes (attribution.mjs), and the default config under
 * the pool's own path with a stub client (pool-path.mjs), a burst, cold and
 * warm, with the clients it opens over time (burst.mjs),
 * growth under a backlog that lasts (backlog.mjs), and under one of a slow
 * tool, where growth pays (slow-backlog.mjs).
 */

import { PINNED, withBenchPinned } from "../lib/cpu-pinning.mjs";
import { summarize } from "../lib/latency.mjs";
import { writeSyscalls } from "../lib/write-syscalls.mjs";
import { startEverythingHttp } from "../lib/everything-server.mjs";
import { runAttribution } from "./attribution.mjs";
import { runBacklog } from "./backlog.mjs";
import { runBurst } from "./burst.mjs";
import { runPoolPath } from "./pool-path.mjs";
import { runSlowBacklog } from "./slow-backlog.mjs";
import { bareEcho, pooledEcho } from "./echo-clients.mjs";
import { median, round3 } from "../lib/numbers.mjs";
import { measure } from "./measure.mjs";

const IN_FLIGHT = [1, 8, 32, 64, 256];

/** Which client is measuring now: warnings emitted during its calls are counted against it. */
let measuring = "none";
const warnings = {};
function countWarning(warning) {
  const key = `${measuring}: ${warning.name}`;
  warnings[key] = (warnings[key] ?? 0) + 1;
}

async function compareOn(target, { rounds, measureMs, warmupMs }) {
  const clients = {
    pool: await pooledEcho(target, Math.max(...IN_FLIGHT)),
    bare: await bareEcho(target),
  };
  try {
    for (const client of Object.values(clients)) await measure(client.call, warmupMs, 8);
    /** `${inFlight}/${client}` → { latencies, seconds, roundP50s, roundRates } */
    const samples = new Map();
    for (let round = 0; round < rounds; round++) {
      for (const inFlight of IN_FLIGHT) {
        const order = round % 2 === 0 ? ["pool", "bare"] : ["bare", "pool"];
        for (const name of order) {
          const key = `${inFlight}/${name}`;
          measuring = `${target.transport} ${name}`;
          const writesBefore = writeSyscalls();
          const { latenciesUs, seconds } = await measure(clients[name].call, measureMs, inFlight);
          const writes = writeSyscalls() - writesBefore;
          measuring = "none";
          const sample = samples.get(key) ?? { latencies: [], seconds: 0, writes: 0, roundP50s: [], roundRates: [] };
          sample.latencies.push(...latenciesUs);
          sample.seconds += seconds;
          sample.writes += writes;
          sample.roundP50s.push(summarize(latenciesUs).p50);
          sample.roundRates.push(latenciesUs.length / seconds);
          samples.set(key, sample);
        }
      }
    }
    return IN_FLIGHT.map((inFlight) => {
      const pool = samples.get(`${inFlight}/pool`);
      const bare = samples.get(`${inFlight}/bare`);
      return {
        transport: target.transport,
        inFlight,
        pool: describe(pool),
        bare: describe(bare),
        // Each round's pair ran back to back; the median of their ratios shrugs off a noisy round.
        p50Ratio: round3(median(pool.roundP50s.map((p50, i) => p50 / bare.roundP50s[i]))),
        throughputRatio: round3(median(pool.roundRates.map((rate, i) => rate / bare.roundRates[i]))),
      };
    });
  } finally {
    await Promise.allSettled(Object.values(clients).map((client) => client.close()));
  }
}

function describe({ latencies, seconds, writes }) {
  const { count, p50, p99 } = summarize(latencies);
  return {
    calls: count,
    p50Us: Math.round(p50),
    p99Us: Math.round(p99),
    callsPerSecond: Math.round(count / seconds),
    // This process's write syscalls per call (NaN where /proc/self/io cannot be read).
    writesPerCall: Math.round((writes / count) * 100) / 100,
  };
}

export function runOverhead(options) {
  // The same placement for every variant: this process on one core, each MCP child on the other.
  return withBenchPinned(() => runPinned(options));
}

async function runPinned({ rounds, measureMs, warmupMs, log }) {
  process.on("warning", countWarning);
  const rows = [];
  log("overhead stdio ...");
  rows.push(...(await compareOn({ transport: "stdio" }, { rounds, measureMs, warmupMs })));
  const http = await startEverythingHttp();
  try {
    log("overhead streamable-http ...");
    rows.push(...(await compareOn({ transport: "http", url: http.url }, { rounds, measureMs, warmupMs })));
  } finally {
    await http.stop();
    process.off("warning", countWarning);
  }
  for (const row of rows) {
    log(
      `  ${row.transport} x${row.inFlight}: pool p50 ${row.pool.p50Us} µs, bare ${row.bare.p50Us} µs, ratio ${row.p50Ratio}, calls/s ratio ${row.throughputRatio}`,
    );
  }
  log("overhead attribution (stdio, sequential) ...");
  const attribution = await runAttribution({ rounds, measureMs, warmupMs });
  for (const part of attribution)
    log(`  ${part.part}: ${part.usPerCall} µs/call (${part.addedUs} added), CPU ${part.cpuUsPerCall} µs/call (${part.addedCpuUs} added)`);
  log("overhead pool path alone (a stub client) ...");
  const poolPath = await runPoolPath({ rounds });
  for (const row of poolPath.rows) log(`  ${row.inFlight} in flight: +${row.addedUs} µs per call`);
  log("overhead burst (stdio, default config, cold and warm) ...");
  // Each round starts new pools and children: fewer rounds than above.
  const burst = await runBurst({ rounds: Math.min(rounds, 3), measureMs, warmupMs });
  for (const row of burst.rows) log(`  x${row.callers} ${row.variant}: cold ${row.coldRatio}, warm ${row.warmRatio} of one bare client`);
  for (const row of burst.growth)
    log(`  x${row.callers} ${row.variant}: clients ${JSON.stringify(row.clientsAt)}, at end ${row.clientsAtEnd}`);
  log("overhead backlog (stdio, 2,048 callers) ...");
  // Long enough for growth trials (a second each, after a client's connect): 5 s per variant in a full run.
  const backlog = await runBacklog({ rounds: Math.min(rounds, 3), durationMs: Math.max(1_000, 5 * measureMs) });
  for (const row of backlog.rows)
    log(
      `  ${row.variant}: ${row.ratio} of one bare client, clients ${JSON.stringify(row.clientsAt)}, trials that did not pay ${row.failedTrials}`,
    );
  log("overhead slow-tool backlog (stdio, 2,048 callers of a 500 ms tool) ...");
  // Long enough for the default's trials to reach maxConnections: 8 s per variant in a full run.
  const slowBacklog = await runSlowBacklog({ rounds: Math.min(rounds, 2), durationMs: Math.max(1_000, 8 * measureMs) });
  for (const row of slowBacklog.rows)
    log(
      `  ${row.variant}: ${row.callsPerSecond} calls/s, ${row.mostClients} clients ${row.msToMostClients} ms in, clients ${JSON.stringify(row.clientsAt)}`,
    );
  return { rounds, measureMs, pinned: PINNED, rows, warnings, attribution, poolPath, burst, backlog, slowBacklog };
}
