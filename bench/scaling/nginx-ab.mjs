/**
 * Two chat-server instances behind nginx against one, on the same load: the shipped
 * docs/deploy/nginx.conf in front of one or two instances (this tree's build, each with its own lab
 * MCP server) that share one private redis-server (REDIS_URL), asked by N agent users through nginx,
 * in rounds that alternate which goes first. Each user connects from its own loopback address (the
 * shipped config limits sockets per client address). Each round gives a ratio (two / one) of turns
 * per second, of p50 turn latency and of the instances' CPU per turn (together); the result is their
 * medians, so load from other work on the machine falls on both alike.
 *
 *   pnpm bench --only=nginx [--rounds=N]
 *
 * What it is for: the cost of the balancer path and of spreading one load over two processes that
 * share Redis, on this machine. Two instances on two shared cores cannot double anything.
 */

import { summarize } from "../lib/latency.mjs";
import { alternatingRounds, compareRounds, cpuSeconds, round1, round3 } from "../lib/numbers.mjs";
import { startProcess, waitForLine } from "../lib/processes.mjs";
import { startRedis } from "../lib/redis-process.mjs";
import { startFakeLlmProcess } from "./fake-llm.mjs";
import { startLoadDriver } from "./load-driver-process.mjs";
import { startServerWithMcp } from "./server-with-mcp.mjs";

const NGINX_ENTRY = new URL("./nginx-process.mjs", import.meta.url).pathname;
const REPO_ROOT = new URL("../../", import.meta.url).pathname;
const VARIANTS = { one: 1, two: 2 };

export async function runNginxAb({ users, questions, rounds, logDir, log }) {
  const redis = await startRedis();
  const llm = await startFakeLlmProcess();
  let measured;
  try {
    measured = await alternatingRounds(rounds, ["one", "two"], async (variant, round) => {
      const run = await measure({ variant, round, redisUrl: redis.url, users, questions, llmBaseURL: llm.baseURL, logDir });
      log(
        `nginx round ${round + 1}/${rounds} ${variant} instance(s): ${run.turnsPerSecond} turns/s, p50 ${run.p50Ms} ms, instances' CPU ${run.instancesCpuMsPerTurn} ms/turn (s each: ${JSON.stringify(run.instanceCpuSeconds)}), ${run.errors} errors`,
      );
      return run;
    });
  } finally {
    await llm.stop();
    await redis.stop(2_000);
  }
  const { median: medianRow, spread } = compareRounds(
    measured,
    ["one", "two"],
    { turnsPerSecond: round1, p50Ms: round1, instancesCpuMsPerTurn: round3 },
    { turnsPerSecond: "turnsPerSecondRatio", p50Ms: "p50Ratio", instancesCpuMsPerTurn: "instancesCpuPerTurnRatio" },
  );
  return {
    users,
    questionsPerUser: questions,
    rounds: measured,
    median: medianRow,
    spread,
  };
}

/** Fresh instances (on one Redis, a prefix of their own) and a fresh nginx; N users asking all at once through it. */
async function measure({ variant, round, redisUrl, users, questions, llmBaseURL, logDir }) {
  const env = { REDIS_URL: redisUrl, REDIS_PREFIX: `bench-nginx${round}-${variant}:` };
  const stacks = await Promise.all(
    Array.from({ length: VARIANTS[variant] }, (_, i) =>
      startServerWithMcp({ variant: "shared", llmBaseURL, logFile: `${logDir}/nginx-ab-${variant}-${round}-${i}.log`, extraEnv: env }),
    ),
  );
  let nginx;
  const driver = startLoadDriver();
  try {
    nginx = await startNginxProcess(
      stacks.map((stack) => Number(new URL(stack.server.url).port)),
      users,
    );
    const wsUrl = `${nginx.url.replace("http:", "ws:")}/ws`;
    const connected = await driver.connect(wsUrl, users);
    if (connected.ok !== users)
      throw new Error(
        `nginx ${variant}: ${users - connected.ok} of ${users} users could not connect (${JSON.stringify(connected.failed)})`,
      );
    // Opens the MCP clients of every instance and warms the code paths, outside the measurement.
    await driver.ask({ from: 0, to: Math.min(users, 50), questions: 1, mode: "agent" });
    const cpuBefore = stacks.map((stack) => cpuSeconds(stack.server.pid));
    const asked = await driver.ask({ from: 0, to: users, questions, mode: "agent" });
    const cpu = stacks.map((stack, i) => round3(cpuSeconds(stack.server.pid) - cpuBefore[i]));
    const latencies = asked.latenciesMs.flat();
    return {
      turns: latencies.length,
      errors: Object.values(asked.errors).reduce((a, b) => a + b, 0),
      turnsPerSecond: round1(latencies.length / (asked.wallMs / 1000)),
      p50Ms: round1(summarize(latencies).p50 ?? Number.NaN),
      // The instances' CPU together (other work on the machine moves it less than wall time).
      instancesCpuMsPerTurn: round3((cpu.reduce((a, b) => a + b, 0) * 1000) / Math.max(latencies.length, 1)),
      // Both instances should have taken a share of the sockets and so of the work.
      instanceCpuSeconds: cpu,
    };
  } finally {
    await driver.close();
    await nginx?.stop();
    await Promise.all(stacks.map((stack) => stack.stop()));
  }
}

async function startNginxProcess(ports, users) {
  // A proxied socket takes two connections (client side and instance side), plus keep-alive and slack.
  const workerConnections = 2 * users + 256;
  const handle = startProcess(process.execPath, ["--import", "tsx", NGINX_ENTRY, String(workerConnections), ...ports.map(String)], {
    cwd: REPO_ROOT,
  });
  handle.child.stderr.on("data", (chunk) => process.stderr.write(`nginx: ${chunk}`));
  try {
    const [, url] = await waitForLine(handle, /^listening (\S+)/);
    return { url, stop: () => handle.stop(10_000) };
  } catch (error) {
    await handle.stop(2_000);
    throw error;
  }
}
