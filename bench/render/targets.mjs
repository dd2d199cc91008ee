/**
 * The targets of issues 5 and 12, judged from a results.json: each with what
 * was measured, met or not, and by how much it was missed.
 */

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** pool.maxConnections of a server in the shared bench config (4 is the library's documented default). */
function configuredMaxClients(server) {
  const config = JSON.parse(readFileSync(fileURLToPath(new URL("../config/shared.mcp.json", import.meta.url)), "utf8"));
  return config.mcpServers[server].pool?.maxConnections ?? 4;
}

const ran = (step) => step && !step.skipped;

/** The step at `users`, or else the largest run below it (quick runs stop early). */
function stepAtOrBelow(steps, variant, mode, users) {
  const candidates = steps.filter((s) => s.variant === variant && s.mode === mode && ran(s) && s.users <= users);
  return candidates.sort((a, b) => b.users - a.users)[0];
}

function mcpClientsTarget(steps) {
  const [stdioMax, httpMax] = [configuredMaxClients("everything"), configuredMaxClients("lab")];
  const rows = ["console", "agent"].map((mode) => stepAtOrBelow(steps, "shared", mode, 1000)).filter(Boolean);
  const children = Math.max(...rows.map((s) => s.mcpConnections));
  const sessions = Math.max(...rows.map((s) => s.httpSessions));
  const users = Math.min(...rows.map((s) => s.users));
  const over = Math.max(children - stdioMax, sessions - httpMax);
  return {
    target: `shared variant at 1,000 users: at most the configured maximum of MCP clients per server (${stdioMax} stdio, ${httpMax} HTTP)`,
    measured: `${children} stdio child processes and ${sessions} HTTP sessions at ${users} users (peak, console and agent)`,
    met: over <= 0,
    miss: over <= 0 ? "" : `${over} over`,
  };
}

function idleRssTarget(idle) {
  const kib = idle.rssPerIdleSocketKiB;
  return {
    target: "RSS per idle connected user ≤ 24 KiB",
    measured: `${kib} KiB per socket (${idle.connected} idle sockets)`,
    met: kib <= 24,
    miss: kib <= 24 ? "" : `${Math.round((kib / 24 - 1) * 100)}% over`,
  };
}

function overheadTarget(overhead) {
  const row = overhead.rows.find((r) => r.transport === "stdio" && r.inFlight === 1);
  const percent = Math.round((row.p50Ratio - 1) * 1000) / 10;
  return {
    target: "pool p50 overhead ≤ 5% of the bare SDK client over stdio (sequential)",
    measured: `${percent >= 0 ? "+" : ""}${percent}% (pool ${row.pool.p50Us} µs vs bare ${row.bare.p50Us} µs p50; median of ${overhead.rounds} interleaved rounds)`,
    met: percent <= 5,
    miss: percent <= 5 ? "" : `${Math.round((percent - 5) * 10) / 10} points over`,
  };
}

/** Issue 12: one pooled client carries ≥ 0.95× the calls of one bare client at 8, 64 and 256 in flight. */
export function throughputTarget(overhead) {
  const rows = overhead.rows.filter((r) => [8, 64, 256].includes(r.inFlight));
  const worst = rows.reduce((a, b) => (b.throughputRatio < a.throughputRatio ? b : a));
  return {
    target: "calls/s of one pooled client ≥ 0.95× one bare SDK client at 8, 64 and 256 in flight (stdio and HTTP)",
    measured: `lowest ${worst.throughputRatio.toFixed(3)}× (${worst.transport}, ${worst.inFlight} in flight); ${rows.map((r) => `${r.transport} ${r.inFlight}: ${r.throughputRatio.toFixed(2)}×`).join(", ")}`,
    met: worst.throughputRatio >= 0.95,
    miss: worst.throughputRatio >= 0.95 ? "" : `${(0.95 - worst.throughputRatio).toFixed(3)} short`,
  };
}

/** Issue 12: under a burst, the default config carries at least what one bare client does, cold and warm. */
export function defaultBurstTarget(overhead) {
  const rows = overhead.burst.rows.filter((r) => r.variant === "default");
  const ratios = rows.flatMap((r) => [
    { r, when: "cold", ratio: r.coldRatio },
    { r, when: "warm", ratio: r.warmRatio },
  ]);
  const worst = ratios.reduce((a, b) => (b.ratio < a.ratio ? b : a));
  return {
    target: "default config under a burst (64 and 256 callers, cold and warm) ≥ one bare SDK client's calls/s",
    measured: `lowest ${worst.ratio.toFixed(3)}× (${worst.r.callers} callers, ${worst.when}); ${ratios.map((x) => `${x.r.callers} ${x.when}: ${x.ratio.toFixed(2)}×`).join(", ")}`,
    met: worst.ratio >= 1,
    miss: worst.ratio >= 1 ? "" : `${(1 - worst.ratio).toFixed(3)} short`,
  };
}

/** Issue 12: a second child must help or not be opened: under a lasting backlog the default config carries at least one bare client's calls. */
export function defaultBacklogTarget(overhead) {
  const row = overhead.backlog?.rows.find((r) => r.variant === "default");
  if (!row) return undefined;
  return {
    target: `default config under a lasting backlog (${overhead.backlog.callers.toLocaleString("en-US")} callers) ≥ one bare SDK client's calls/s`,
    measured: `${row.ratio.toFixed(3)}× with ${Object.values(row.clientsAt).at(-1)} client(s) at the end, ${row.failedTrials} growth trial(s) retired`,
    met: row.ratio >= 1,
    miss: row.ratio >= 1 ? "" : `${(1 - row.ratio).toFixed(3)} short`,
  };
}

function rssRatioTarget(steps) {
  const parts = ["console", "agent"]
    .map((mode) => {
      const shared = stepAtOrBelow(steps, "shared", mode, 100);
      const perSession = stepAtOrBelow(steps, "per-session", mode, shared?.users ?? 100);
      if (!shared || !perSession || shared.users !== perSession.users) return undefined;
      return { mode, users: shared.users, ratio: perSession.rssPeakMiB / shared.rssPeakMiB };
    })
    .filter(Boolean);
  const worst = Math.min(...parts.map((p) => p.ratio));
  return {
    target: "at 100 users: shared RSS (server + MCP children) ≥ 20× smaller than per-session",
    measured: parts.map((p) => `${p.ratio.toFixed(1)}× (${p.mode}, ${p.users} users)`).join(", "),
    met: worst >= 20,
    miss: worst >= 20 ? "" : `${(20 - worst).toFixed(1)}× short`,
  };
}

export function judgeTargets(results) {
  return [
    mcpClientsTarget(results.scaling.steps),
    idleRssTarget(results.idle),
    overheadTarget(results.overhead),
    throughputTarget(results.overhead),
    defaultBurstTarget(results.overhead),
    defaultBacklogTarget(results.overhead),
    rssRatioTarget(results.scaling.steps),
  ].filter(Boolean);
}
