/**
 * Idle cost: N sockets open and silent on the real server (shared config,
 * offline console), then what a first question costs: the very first one
 * (it starts the MCP client and loads the catalog), then a first question
 * from every other user (each makes its agent). Also the heap size of an
 * idle agent, measured in its own process.
 */

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { summarize } from "../lib/latency.mjs";
import { treeMemory } from "../lib/proc-tree.mjs";
import { startLoadDriver } from "../scaling/load-driver-process.mjs";
import { startServerWithMcp } from "../scaling/server-with-mcp.mjs";

const AGENT_SIZE = fileURLToPath(new URL("./agent-size.mjs", import.meta.url));
const settle = (ms) => new Promise((r) => setTimeout(r, ms));

export async function runIdle({ sockets, agents, logDir, log }) {
  log(`idle: ${sockets} sockets ...`);
  const stack = await startServerWithMcp({ variant: "shared", logFile: `${logDir}/server-idle-${sockets}.log` });
  const { server } = stack;
  const driver = startLoadDriver();
  let idle;
  try {
    await settle(1_000);
    const before = treeMemory(server.pid);
    const connected = await driver.connect(server.wsUrl, sockets);
    await settle(2_000);
    const open = treeMemory(server.pid);
    const first = await driver.ask({ from: 0, to: 1, questions: 1, mode: "console" });
    await settle(500);
    const afterFirst = treeMemory(server.pid);
    const rest = await driver.ask({ from: 1, to: sockets, questions: 1, mode: "console" });
    await settle(500);
    const afterAll = treeMemory(server.pid);
    const others = connected.ok - 1;
    idle = {
      sockets,
      connected: connected.ok,
      connectFailed: connected.failed,
      connectSeconds: round(connected.ms / 1000, 2),
      serverRssBeforeMiB: mib(before.rootKiB),
      serverRssIdleMiB: mib(open.rootKiB),
      mcpChildrenWhileIdle: open.children,
      rssPerIdleSocketKiB: round((open.rootKiB - before.rootKiB) / connected.ok, 1),
      firstQuestion: {
        latencyMs: round(first.latenciesMs[0][0] ?? NaN, 1),
        errors: first.errors,
        serverRssGrowthMiB: mib(afterFirst.rootKiB - open.rootKiB),
        mcpChildrenStarted: afterFirst.children - open.children,
        mcpChildRssMiB: mib(afterFirst.childrenKiB - open.childrenKiB),
      },
      everyOtherFirstQuestion: {
        users: others,
        latencyMs: Object.fromEntries(Object.entries(summarize(rest.latenciesMs[0])).map(([k, v]) => [k, round(v, 1)])),
        errors: rest.errors,
        serverRssGrowthPerUserKiB: round((afterAll.rootKiB - afterFirst.rootKiB) / Math.max(1, others), 1),
        mcpChildrenAfter: afterAll.children,
      },
    };
    log(`  ${idle.rssPerIdleSocketKiB} KiB per idle socket, first question ${idle.firstQuestion.latencyMs} ms`);
  } finally {
    await driver.close();
    await stack.stop();
  }
  const agentSize = await measureAgentSize(agents);
  log(`  idle agent: ${agentSize.bytesPerAgentLlm} bytes (LLM), ${agentSize.bytesPerAgentConsole} bytes (console)`);
  return { ...idle, agentSize };
}

async function measureAgentSize(count) {
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", AGENT_SIZE, String(count)], { timeout: 120_000 });
  return JSON.parse(stdout);
}

const mib = (kib) => round(kib / 1024, 1);
const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;
