/**
 * The agent path, before and after: the chat server built from a baseline git
 * ref and the one built from this tree, each asked by N agent users against
 * the same scripted model process, in rounds that alternate which goes first.
 * Each round gives a ratio (this tree / baseline) of turns per second and of
 * the chat server's CPU per turn; the result is their medians, so load from
 * other work on the machine falls on both alike.
 *
 *   pnpm bench --only=agent-ab --baseline=<git ref> [--candidate=<git ref>] [--candidate-node-args="<flags>"] [--cpu-prof]
 *
 * Without --candidate the candidate is this working tree's build. With
 * --cpu-prof each server writes a V8 CPU profile to .bench-out/profiles/<variant>-<round>/.
 * --candidate-node-args gives the candidate's node these flags (space-separated),
 * e.g. a V8 setting measured against the same build without it.
 * Each run also records what the other processes spent per turn (the model,
 * the lab MCP server, the chat server's MCP children, the load driver): on a
 * machine with few cores they share it with the server, so they bound how far
 * a cheaper server can raise turns per second.
 */

import path from "node:path";
import { buildCommit, commitOf, REPO_ROOT, workingTree } from "../lib/build-commit.mjs";
import { alternatingRounds, compareRounds, cpuSeconds, round1, round3 } from "../lib/numbers.mjs";
import { descendantsOf } from "../lib/proc-tree.mjs";
import { writeSyscalls } from "../lib/write-syscalls.mjs";
import { startFakeLlmProcess } from "./fake-llm.mjs";
import { startLoadDriver } from "./load-driver-process.mjs";
import { startServerWithMcp } from "./server-with-mcp.mjs";

const SERVER_MAIN = "packages/server/dist/main.js";

export async function runAgentAb({ baseline, candidate, candidateNodeArgs = [], users, questions, rounds, logDir, profileDir, log }) {
  const commit = commitOf(baseline);
  const candidateCommit = candidate ? commitOf(candidate) : undefined;
  const variants = {
    baseline: path.join(
      buildCommit(commit, (line) => log(`agent-ab: ${line}`)),
      SERVER_MAIN,
    ),
    current: path.join(candidateCommit ? buildCommit(candidateCommit, (line) => log(`agent-ab: ${line}`)) : REPO_ROOT, SERVER_MAIN),
  };
  const llm = await startFakeLlmProcess();
  let measured;
  try {
    measured = await alternatingRounds(rounds, ["baseline", "current"], async (variant, round) => {
      const nodeArgs = [
        ...(variant === "current" ? candidateNodeArgs : []),
        ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}/${variant}-${round + 1}`] : []),
      ];
      const run = await measure({
        variant,
        serverMain: variants[variant],
        users,
        questions,
        llm,
        logFile: `${logDir}/agent-ab-${variant}-${round}.log`,
        nodeArgs,
      });
      log(
        `agent-ab round ${round + 1}/${rounds} ${variant}: ${run.turnsPerSecond} turns/s, ${run.serverCpuMsPerTurn} ms server CPU per turn (others ${run.othersCpuMsPerTurn} ms), ${run.serverWritesPerTurn} writes per turn, ${run.errors} errors${run.errors ? ` ${JSON.stringify(run.errorCodes)}` : ""}`,
      );
      return run;
    });
  } finally {
    await llm.stop();
  }
  const { median: medianRow, spread } = compareRounds(
    measured,
    ["baseline", "current"],
    { turnsPerSecond: round1, serverCpuMsPerTurn: round3, othersCpuMsPerTurn: round3, serverWritesPerTurn: round1 },
    { turnsPerSecond: "turnsPerSecondRatio", serverCpuMsPerTurn: "serverCpuPerTurnRatio", serverWritesPerTurn: "serverWritesPerTurnRatio" },
  );
  return {
    baseline: { ref: baseline, commit },
    current: candidateCommit ? { ref: candidate, commit: candidateCommit } : workingTree(),
    candidateNodeArgs,
    users,
    questionsPerUser: questions,
    rounds: measured,
    median: medianRow,
    spread,
  };
}

/** One fresh server (and lab MCP server), N users asking their questions all at once. */
async function measure({ variant, serverMain, users, questions, llm, logFile, nodeArgs }) {
  const stack = await startServerWithMcp({ variant: "shared", llmBaseURL: llm.baseURL, logFile, serverMain, nodeArgs });
  const driver = startLoadDriver();
  try {
    const connected = await driver.connect(stack.server.wsUrl, users);
    if (connected.ok !== users) throw new Error(`agent-ab ${variant}: ${users - connected.ok} of ${users} users could not connect`);
    // Opens the MCP clients and warms the code paths, outside the measurement.
    await driver.ask({ from: 0, to: Math.min(users, 50), questions: 1, mode: "agent" });
    const others = [llm.pid, stack.lab.pid, driver.pid, ...descendantsOf(stack.server.pid)];
    const cpuBefore = cpuSeconds(stack.server.pid);
    const writesBefore = writeSyscalls(stack.server.pid);
    const othersBefore = cpuOf(others);
    const asked = await driver.ask({ from: 0, to: users, questions, mode: "agent" });
    const cpu = cpuSeconds(stack.server.pid) - cpuBefore;
    const writes = writeSyscalls(stack.server.pid) - writesBefore;
    const othersCpu = cpuOf(others) - othersBefore;
    const turns = asked.latenciesMs.flat().length;
    const perTurn = (seconds) => round3((seconds * 1000) / Math.max(turns, 1));
    return {
      turns,
      errors: Object.values(asked.errors).reduce((a, b) => a + b, 0),
      // By code (an error frame's code, or the driver's: turn_timeout, closed_<ws code>, wrong_answer...).
      errorCodes: asked.errors,
      turnsPerSecond: round1(turns / (asked.wallMs / 1000)),
      serverCpuMsPerTurn: perTurn(cpu),
      othersCpuMsPerTurn: perTurn(othersCpu),
      // Moved far less than CPU time by the machine's load: the server's write system calls (sockets, pipes) per turn.
      serverWritesPerTurn: round1(writes / Math.max(turns, 1)),
    };
  } finally {
    await driver.close();
    await stack.stop();
  }
}

/** CPU seconds of these processes together (one that has gone counts 0). */
function cpuOf(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      total += cpuSeconds(pid);
    } catch {
      // Ended: its share is not in this run's numbers.
    }
  }
  return total;
}
