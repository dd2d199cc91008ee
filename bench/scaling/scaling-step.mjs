/**
 * One measured step: a fresh chat server with one MCP config, N users from
 * the load driver, each asking its questions; the server's process tree is
 * sampled throughout. A fresh server per step keeps one step's heap out of
 * the next one's numbers.
 */

import { fileURLToPath } from "node:url";
import { summarize } from "../lib/latency.mjs";
import { treeMemory } from "../lib/proc-tree.mjs";
import { TreeSampler } from "../lib/tree-sampler.mjs";
import { startChatServer } from "./chat-server-process.mjs";
import { startLoadDriver } from "./load-driver-process.mjs";

export const MCP_CONFIGS = {
  shared: fileURLToPath(new URL("../config/shared.mcp.json", import.meta.url)),
  "per-session": fileURLToPath(new URL("../config/per-session.mcp.json", import.meta.url)),
};

const settle = (ms) => new Promise((r) => setTimeout(r, ms));

export async function runScalingStep({ variant, mode, users, questions, llmBaseURL, logDir }) {
  const server = await startChatServer({
    mcpConfig: MCP_CONFIGS[variant],
    llmBaseURL: mode === "agent" ? llmBaseURL : undefined,
    logFile: `${logDir}/server-${variant}-${mode}-${users}.log`,
  });
  const driver = startLoadDriver();
  try {
    await settle(500);
    const before = treeMemory(server.pid);
    const sampler = new TreeSampler(server.pid);
    const connected = await driver.connect(server.wsUrl, users);
    const asked = await driver.ask({ from: 0, to: users, questions, mode });
    await settle(300);
    const after = sampler.sample();
    const peak = sampler.stop();
    const pool = await poolStats(server.url);
    const all = asked.latenciesMs.flat();
    const turns = all.length;
    const errorCount = Object.values(asked.errors).reduce((a, b) => a + b, 0);
    return {
      variant, mode, users, questionsPerUser: questions,
      connected: connected.ok,
      connectFailed: connected.failed,
      connectSeconds: round(connected.ms / 1000, 2),
      mcpConnections: peak.children,
      poolClientsCreated: pool?.clientsCreated ?? null,
      rssBeforeMiB: mib(before.totalKiB),
      rssPeakMiB: mib(peak.totalKiB),
      rssAfterMiB: mib(after.totalKiB),
      serverRssAfterMiB: mib(after.rootKiB),
      childRssAfterMiB: mib(after.childrenKiB),
      mcpChildrenAfter: after.children,
      rssPerUserKiB: Math.round((after.totalKiB - before.totalKiB) / users),
      latencyMs: roundAll(summarize(all)),
      firstQuestionLatencyMs: roundAll(summarize(asked.latenciesMs[0])),
      laterQuestionsLatencyMs: roundAll(summarize(asked.latenciesMs.slice(1).flat())),
      turnsOk: turns,
      turnsPerSecond: round(turns / (asked.wallMs / 1000), 1),
      errors: errorCount,
      errorsByCode: asked.errors,
    };
  } finally {
    await driver.close();
    await server.stop();
  }
}

async function poolStats(url) {
  try {
    const stats = await (await fetch(`${url}/api/stats`)).json();
    return stats.pool?.servers?.[0];
  } catch {
    return undefined;
  }
}

const mib = (kib) => round(kib / 1024, 1);
const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;
const roundAll = (summary) =>
  Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, typeof v === "number" && k !== "count" ? round(v, 1) : v]));
