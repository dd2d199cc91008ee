/**
 * The Redis store against the in-memory store on the same load: one chat
 * server (this tree's build) with REDIS_URL set and one without, each asked
 * by N agent users against the same scripted model, in rounds that alternate
 * which goes first. Each round gives a ratio (Redis / memory) of turns per
 * second, of p50 turn latency and of CPU per turn (the chat server's, and
 * redis-server's beside it); the result is their medians, so load from other
 * work on the machine falls on both alike.
 *
 *   pnpm bench --only=redis [--rounds=N]
 *
 * The Redis is a private redis-server on a free port, no persistence, ended by pid.
 */

import { summarize } from "../lib/latency.mjs";
import { alternatingRounds, compareRounds, cpuSeconds, median, round1, round3 } from "../lib/numbers.mjs";
import { startRedis } from "../lib/redis-process.mjs";
import { startFakeLlmProcess } from "./fake-llm.mjs";
import { startLoadDriver } from "./load-driver-process.mjs";
import { startServerWithMcp } from "./server-with-mcp.mjs";

export async function runRedisAb({ users, questions, rounds, logDir, log }) {
  const redis = await startRedis();
  const llm = await startFakeLlmProcess();
  let measured;
  try {
    measured = await alternatingRounds(rounds, ["memory", "redis"], async (store, round) => {
      const env = store === "redis" ? { REDIS_URL: redis.url, REDIS_PREFIX: `bench${round}:` } : {};
      const redisPid = store === "redis" ? redis.pid : undefined;
      const run = await measure({
        store,
        env,
        redisPid,
        users,
        questions,
        llmBaseURL: llm.baseURL,
        logFile: `${logDir}/redis-ab-${store}-${round}.log`,
      });
      log(
        `redis round ${round + 1}/${rounds} ${store}: ${run.turnsPerSecond} turns/s, p50 ${run.p50Ms} ms, server CPU ${run.serverCpuMsPerTurn} ms/turn (+ redis-server ${run.redisCpuMsPerTurn}), ${run.errors} errors`,
      );
      return run;
    });
  } finally {
    await llm.stop();
    await redis.stop(2_000);
  }
  const { median: medianRow, spread } = compareRounds(
    measured,
    ["memory", "redis"],
    { turnsPerSecond: round1, p50Ms: round1, serverCpuMsPerTurn: round3 },
    { turnsPerSecond: "turnsPerSecondRatio", p50Ms: "p50Ratio", serverCpuMsPerTurn: "serverCpuPerTurnRatio" },
  );
  medianRow.redisCpuMsPerTurn = round3(median(measured.map((pair) => pair.redis.redisCpuMsPerTurn)));
  return {
    users,
    questionsPerUser: questions,
    rounds: measured,
    median: medianRow,
    spread,
  };
}

/** One fresh server (and lab MCP server), N users asking their questions all at once. */
async function measure({ store, env, redisPid, users, questions, llmBaseURL, logFile }) {
  const stack = await startServerWithMcp({ variant: "shared", llmBaseURL, logFile, extraEnv: env });
  const driver = startLoadDriver();
  try {
    const connected = await driver.connect(stack.server.wsUrl, users);
    if (connected.ok !== users) throw new Error(`redis ${store}: ${users - connected.ok} of ${users} users could not connect`);
    // Opens the MCP clients and warms the code paths, outside the measurement.
    await driver.ask({ from: 0, to: Math.min(users, 50), questions: 1, mode: "agent" });
    const cpuBefore = cpuSeconds(stack.server.pid);
    const redisBefore = redisPid ? cpuSeconds(redisPid) : 0;
    const asked = await driver.ask({ from: 0, to: users, questions, mode: "agent" });
    const cpu = cpuSeconds(stack.server.pid) - cpuBefore;
    const redisCpu = redisPid ? cpuSeconds(redisPid) - redisBefore : 0;
    const latencies = asked.latenciesMs.flat();
    const perTurn = (seconds) => round3((seconds * 1000) / Math.max(latencies.length, 1));
    return {
      turns: latencies.length,
      errors: Object.values(asked.errors).reduce((a, b) => a + b, 0),
      turnsPerSecond: round1(latencies.length / (asked.wallMs / 1000)),
      p50Ms: round1(summarize(latencies).p50 ?? Number.NaN),
      serverCpuMsPerTurn: perTurn(cpu),
      redisCpuMsPerTurn: perTurn(redisCpu),
    };
  } finally {
    await driver.close();
    await stack.stop();
  }
}
