#!/usr/bin/env node
/**
 * pnpm bench            the full run; writes .bench-out/results.json, the tables
 *                       and chart, and the generated part of docs/benchmarks.md
 * pnpm bench --quick    a few users, seconds: proves the harness works (CI); writes .bench-out/ only
 * --only=scaling,overhead,idle   a subset (writes .bench-out/ only); --rounds=N sets the overhead section's
 *                       interleaved rounds (default 8; its burst and backlog take at most 3, the slow-tool backlog 2)
 * --only=redis [--rounds=N]   the Redis conversation store (REDIS_URL) against the in-memory one on the
 *                       same load, N interleaved rounds (default 6): turns/s and p50, medians of per-round ratios
 * --only=nginx [--rounds=N]   two chat-server instances behind nginx (docs/deploy/nginx.conf, one private
 *                       redis-server) against one behind nginx, same load, N interleaved rounds (default 6):
 *                       turns/s and p50, medians of per-round ratios
 * --only=agent-ab --baseline=<git ref> [--candidate=<git ref>] [--candidate-node-args="<flags>"] [--rounds=N] [--users=N] [--cpu-prof]   the agent
 *                       path of this tree (or the candidate) against a baseline build, N interleaved
 *                       rounds (default 6) of N agent users (default 1,000); --cpu-prof writes each
 *                       server's CPU profile to .bench-out/profiles/; --candidate-node-args gives the candidate's node
 *                       these flags (a V8 setting against the same build without it: --baseline=X --candidate=X)
 * --only=pool-ab --baseline=<git ref> [--candidate=<git ref>] [--rounds=N]   the pool's per-call path of this
 *                       tree (or the candidate) against a baseline build, both in this process, N interleaved
 *                       rounds (default 9): with a stub client, and server-everything's echo over stdio
 *
 * A number never fails the run; a harness that cannot get a single answer does.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runIdle } from "./idle/run-idle.mjs";
import { describeMachine } from "./lib/machine.mjs";
import { stopAll, stopAllOnSignals } from "./lib/processes.mjs";
import { runOverhead } from "./overhead/run-overhead.mjs";
import { runPoolAb } from "./overhead/pool-ab.mjs";
import { renderOverhead } from "./render/tables.mjs";
import { writeOutputs } from "./render/write-docs.mjs";
import { runScaling } from "./scaling/run-scaling.mjs";
import { runAgentAb } from "./scaling/agent-ab.mjs";
import { runNginxAb } from "./scaling/nginx-ab.mjs";
import { runRedisAb } from "./scaling/redis-ab.mjs";

const OUT = fileURLToPath(new URL("../.bench-out", import.meta.url));
const SECTIONS = ["scaling", "overhead", "idle"];

const PLANS = {
  full: {
    scaling: { usersSteps: [10, 100, 1000, 5000], questions: 2 },
    overhead: { rounds: 8, measureMs: 1000, warmupMs: 500 },
    idle: { sockets: 10_000, agents: 10_000 },
    agentAb: { users: 1000, questions: 2, rounds: 6 },
    poolAb: { rounds: 9 },
    redis: { users: 500, questions: 2, rounds: 6 },
    nginx: { users: 500, questions: 2, rounds: 6 },
  },
  quick: {
    scaling: { usersSteps: [10], questions: 2 },
    overhead: { rounds: 2, measureMs: 150, warmupMs: 100 },
    idle: { sockets: 200, agents: 1_000 },
    agentAb: { users: 20, questions: 2, rounds: 2 },
    poolAb: { rounds: 1 },
    redis: { users: 20, questions: 2, rounds: 2 },
    nginx: { users: 20, questions: 2, rounds: 1 },
  },
};

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    baseline: { type: "string" },
    candidate: { type: "string" },
    "candidate-node-args": { type: "string" },
    "cpu-prof": { type: "boolean", default: false },
    rounds: { type: "string" },
    users: { type: "string" },
  },
});
// The nginx row takes about 40 s even at quick size (five processes per variant): full runs only.
const only = flags.only ? flags.only.split(",") : [...SECTIONS, "redis", ...(flags.quick ? [] : ["nginx"])];
const plan = PLANS[flags.quick ? "quick" : "full"];
const log = (line) => process.stderr.write(`${line}\n`);

/** --rounds=N, else the plan's; anything but a positive integer is an error that names the flag. */
function roundsFlag(planned) {
  const rounds = flags.rounds ? Number(flags.rounds) : planned;
  if (!(Number.isInteger(rounds) && rounds > 0)) throw new Error(`--rounds must be a positive integer, got ${flags.rounds}`);
  return rounds;
}

/** Steps that got no answer at all mean the harness (or what it drives) is broken, whatever the numbers. */
function brokenHarness(results) {
  const problems = [];
  for (const step of results.scaling?.steps ?? []) {
    if (!step.skipped && step.turnsOk === 0)
      problems.push(`scaling ${step.variant} ${step.mode} N=${step.users}: no turn answered (${JSON.stringify(step.errorsByCode)})`);
  }
  if (results.idle && results.idle.connected === 0) problems.push("idle: no socket connected");
  for (const [i, pair] of (results.redis?.rounds ?? []).entries()) {
    for (const [store, run] of Object.entries(pair)) if (run.turns === 0) problems.push(`redis round ${i + 1} ${store}: no turn answered`);
  }
  for (const [i, pair] of (results.nginx?.rounds ?? []).entries()) {
    for (const [variant, run] of Object.entries(pair))
      if (run.turns === 0) problems.push(`nginx round ${i + 1} ${variant}: no turn answered`);
  }
  for (const [i, pair] of (results.agentAb?.rounds ?? []).entries()) {
    for (const [variant, run] of Object.entries(pair))
      if (run.turns === 0) problems.push(`agent-ab round ${i + 1} ${variant}: no turn answered`);
  }
  return problems;
}

async function main() {
  stopAllOnSignals();
  mkdirSync(`${OUT}/logs`, { recursive: true });
  const started = Date.now();
  const results = {
    command: `pnpm bench${flags.quick ? " --quick" : ""}${flags.only ? ` --only=${flags.only}` : ""}${flags.baseline ? ` --baseline=${flags.baseline}` : ""}${flags.candidate ? ` --candidate=${flags.candidate}` : ""}${flags["candidate-node-args"] ? ` --candidate-node-args="${flags["candidate-node-args"]}"` : ""}${flags.rounds ? ` --rounds=${flags.rounds}` : ""}${flags.users ? ` --users=${flags.users}` : ""}`,
    startedAt: new Date(started).toISOString(),
    machine: describeMachine(),
  };
  try {
    if (only.includes("scaling")) results.scaling = await runScaling({ ...plan.scaling, logDir: `${OUT}/logs`, log });
    if (only.includes("overhead"))
      results.overhead = await runOverhead({ ...plan.overhead, rounds: roundsFlag(plan.overhead.rounds), log });
    if (only.includes("idle")) results.idle = await runIdle({ ...plan.idle, logDir: `${OUT}/logs`, log });
    if (only.includes("redis")) {
      results.redis = await runRedisAb({ ...plan.redis, rounds: roundsFlag(plan.redis.rounds), logDir: `${OUT}/logs`, log });
      log(`redis medians: ${JSON.stringify(results.redis.median)}`);
    }
    if (only.includes("nginx")) {
      results.nginx = await runNginxAb({ ...plan.nginx, rounds: roundsFlag(plan.nginx.rounds), logDir: `${OUT}/logs`, log });
      log(`nginx medians: ${JSON.stringify(results.nginx.median)}`);
    }
    if (only.includes("agent-ab")) {
      if (!flags.baseline) throw new Error("--only=agent-ab needs --baseline=<git ref> (e.g. main)");
      const rounds = roundsFlag(plan.agentAb.rounds);
      const users = flags.users ? Number(flags.users) : plan.agentAb.users;
      if (!(Number.isInteger(users) && users > 0)) throw new Error(`--users must be a positive integer, got ${flags.users}`);
      results.agentAb = await runAgentAb({
        ...plan.agentAb,
        rounds,
        users,
        baseline: flags.baseline,
        candidate: flags.candidate,
        candidateNodeArgs: flags["candidate-node-args"]?.split(" ").filter(Boolean) ?? [],
        logDir: `${OUT}/logs`,
        profileDir: flags["cpu-prof"] ? `${OUT}/profiles` : undefined,
        log,
      });
      log(`agent-ab medians: ${JSON.stringify(results.agentAb.median)}`);
    }
    if (only.includes("pool-ab")) {
      if (!flags.baseline) throw new Error("--only=pool-ab needs --baseline=<git ref> (e.g. main)");
      const rounds = roundsFlag(plan.poolAb.rounds);
      results.poolAb = await runPoolAb({ rounds, baseline: flags.baseline, candidate: flags.candidate, log });
    }
  } finally {
    await stopAll();
  }
  results.durationSeconds = (Date.now() - started) / 1000;
  writeFileSync(`${OUT}/results.json`, `${JSON.stringify(results, null, 2)}\n`);
  log(`results: ${OUT}/results.json`);
  if (results.overhead) {
    writeFileSync(`${OUT}/overhead-tables.md`, `${renderOverhead(results)}\n`);
    log(`wrote ${OUT}/overhead-tables.md`);
  }
  if (SECTIONS.every((s) => results[s])) {
    const written = writeOutputs(results, OUT, { toDocs: !flags.quick });
    log(`wrote ${written.join(", ")}`);
  }
  const problems = brokenHarness(results);
  if (problems.length > 0) {
    log(`bench harness broken:\n  ${problems.join("\n  ")}`);
    process.exitCode = 1;
  }
}

main().catch(async (error) => {
  log(`bench failed: ${error.stack ?? error}`);
  await stopAll();
  process.exit(1);
});
