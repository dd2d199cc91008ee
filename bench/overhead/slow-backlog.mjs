/**
 * Growth where it pays: a backlog of calls to a slow tool (the lab server's
 * `slow_read`, SLOW_MS each, over stdio), whose rate is bounded by the
 * clients' slots, not by the server or the CPU: each client more adds its
 * slots' worth of calls per second. The default config grows by growth
 * trials (src/growth-check.ts; after one that paid, the next opens as many
 * clients as carry calls); `growAfterWaitMs: 0` opens a client per
 * maxCallsPerConnection waiters at once, with no trial: the fastest growth
 * there is, the bound for this load. Calls answered and clients open are
 * sampled over time; variants are interleaved (each goes first in turn),
 * new pools each round, medians over rounds.
 */

import { PooledMCPServerManager } from "mcp-pool";
import { fileURLToPath } from "node:url";
import { onChildCore } from "../lib/cpu-pinning.mjs";
import { median, rotated } from "../lib/numbers.mjs";
import { BACKLOG_VARIANTS } from "./backlog.mjs";
import { clientsAt } from "./burst.mjs";
import { measure } from "./measure.mjs";

const LAB_SERVER = fileURLToPath(import.meta.resolve("@mcp-pool/test-support/fixtures/lab-server.mjs"));
export const SLOW_MS = 500;
export const SLOW_BACKLOG_CALLERS = 2_048;
const SAMPLE_EVERY_MS = 50;

export async function runSlowBacklog({ rounds, durationMs, callers = SLOW_BACKLOG_CALLERS }) {
  /** At these ms after the backlog began, the clients open are read. */
  const at = [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 1].map((share) => Math.round(share * durationMs));
  // The same two configs as the echo backlog: the default, and growAfterWaitMs 0.
  const names = Object.keys(BACKLOG_VARIANTS);
  const runs = new Map(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of rotated(names, round)) runs.get(name).push(await backlogOn(BACKLOG_VARIANTS[name], durationMs, callers));
  }
  return {
    rounds,
    durationMs,
    callers,
    slowMs: SLOW_MS,
    rows: names.map((name) => {
      const done = runs.get(name);
      return {
        variant: name,
        callsPerSecond: Math.round(median(done.map((run) => run.callsPerSecond))),
        // When the pool first had as many clients as it ever had in the run.
        msToMostClients: Math.round(median(done.map((run) => run.msToMostClients))),
        mostClients: median(done.map((run) => run.mostClients)),
        clientsAt: Object.fromEntries(at.map((ms) => [ms, median(done.map((run) => clientsAt(run.timeline, ms)))])),
      };
    }),
  };
}

async function backlogOn(entry, durationMs, callers) {
  const [command, ...args] = onChildCore([process.execPath, LAB_SERVER]);
  const manager = new PooledMCPServerManager({ mcpServers: { lab: { command, args, ...entry } } });
  const call = () => manager.callTool("lab__slow_read", { ms: SLOW_MS, text: "x" });
  try {
    await call(); // the first client is up: what opens beyond it is the backlog's
    const timeline = [];
    const started = performance.now();
    const sample = () => timeline.push([performance.now() - started, manager.stats().servers[0]?.clientsOpen ?? 0]);
    sample();
    const sampler = setInterval(sample, SAMPLE_EVERY_MS);
    let answered;
    try {
      answered = await measure(call, durationMs, callers);
    } finally {
      clearInterval(sampler);
    }
    const mostClients = Math.max(...timeline.map(([, open]) => open));
    return {
      callsPerSecond: answered.latenciesUs.length / answered.seconds,
      mostClients,
      msToMostClients: timeline.find(([, open]) => open === mostClients)[0],
      timeline,
    };
  } finally {
    await manager.close({ graceMs: 0 });
  }
}
