/**
 * One measured step: a fresh chat server with one MCP config, N users from
 * the load driver, each asking its questions; the server's process tree is
 * sampled throughout. A fresh server per step keeps one step's heap out of
 * the next one's numbers.
 */

import { summarize } from "../lib/latency.mjs";
import { rssKiB, treeMemory } from "../lib/proc-tree.mjs";
import { TreeSampler } from "../lib/tree-sampler.mjs";
import { startLoadDriver } from "./load-driver-process.mjs";
import { startServerWithMcp } from "./server-with-mcp.mjs";

const settle = (ms) => new Promise((r) => setTimeout(r, ms));

export async function runScalingStep({ variant, mode, users, questions, llmBaseURL, logDir }) {
  const stack = await startServerWithMcp({
    variant,
    llmBaseURL: mode === "agent" ? llmBaseURL : undefined,
    logFile: `${logDir}/server-${variant}-${mode}-${users}.log`,
  });
  const { server, lab } = stack;
  const driver = startLoadDriver();
  try {
    await settle(500);
    const before = treeMemory(server.pid);
    const labBeforeKiB = rssKiB(lab.pid);
    const sampler = new TreeSampler(server.pid);
    const sessions = new HttpSessionSampler(lab);
    const connected = await driver.connect(server.wsUrl, users);
    const asked = await driver.ask({ from: 0, to: users, questions, mode });
    await settle(300);
    let after = sampler.sample();
    // A live server always has an RSS: 0 is a failed read of /proc (seen once, in a full run), so read again.
    for (let retry = 0; retry < 3 && after.rootKiB === 0; retry += 1) {
      await settle(100);
      after = sampler.sample();
    }
    const peak = sampler.stop();
    const httpSessionsPeak = await sessions.stop();
    const labAfterKiB = rssKiB(lab.pid);
    const all = asked.latenciesMs.flat();
    const turns = all.length;
    const errorCount = Object.values(asked.errors).reduce((a, b) => a + b, 0);
    return {
      variant,
      mode,
      users,
      questionsPerUser: questions,
      connected: connected.ok,
      connectFailed: connected.failed,
      connectSeconds: round(connected.ms / 1000, 2),
      mcpConnections: peak.children,
      httpSessions: httpSessionsPeak,
      httpMcpServerRssMiB: mib(labAfterKiB),
      httpMcpServerRssGrowthMiB: mib(labAfterKiB - labBeforeKiB),
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
    await stack.stop();
  }
}

/** Polls the HTTP MCP server's open sessions and keeps the peak. */
class HttpSessionSampler {
  #peak = 0;
  #timer;
  #lab;

  constructor(lab, intervalMs = 200) {
    this.#lab = lab;
    this.#timer = setInterval(() => void this.#sample(), intervalMs);
  }

  async #sample() {
    try {
      this.#peak = Math.max(this.#peak, (await this.#lab.stats()).sessionsOpen);
    } catch {
      // A busy server may miss a poll; the next one counts.
    }
  }

  async stop() {
    clearInterval(this.#timer);
    await this.#sample();
    return this.#peak;
  }
}

const mib = (kib) => round(kib / 1024, 1);
const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;
const roundAll = (summary) =>
  Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, typeof v === "number" && k !== "count" ? round(v, 1) : v]));
