/**
 * The pool's per-call path, before and after: the mcp-pool package built from
 * a baseline git ref and the one built from this tree (or --candidate), both
 * loaded in this one process, interleaved round by round (each goes first in
 * turn), so that a change to the hot path shows as a ratio that the
 * machine's drift falls on alike.
 *
 *   pnpm bench --only=pool-ab --baseline=<git ref> [--candidate=<git ref>] [--rounds=N]
 *
 * Two measures: the pool's own path with a stub client (pool-path.mjs; µs a
 * call adds over calling the stub directly, with no caller signal and with
 * one shared signal as an agent passes), and server-everything's echo over
 * stdio with 8, 64 and 256 calls in flight (this process's CPU per call and
 * calls per second; each build has its child, pinned as in the overhead
 * section). A ratio is candidate / baseline, the median of the rounds' ratios.
 */

import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildCommit, commitOf, REPO_ROOT, workingTree } from "../lib/build-commit.mjs";
import { onChildCore, withBenchPinned } from "../lib/cpu-pinning.mjs";
import { EVERYTHING_MAIN } from "../lib/everything-server.mjs";
import { median, minMax, rotated, round1, round3 } from "../lib/numbers.mjs";
import { measure } from "./measure.mjs";
import { connectionFactory, stubClient, usPerCall } from "./pool-path.mjs";

const STUB_IN_FLIGHT = [1, 8, 256];
const ECHO_IN_FLIGHT = [8, 64, 256];
const ECHO_MS = 700;
const VARIANTS = ["baseline", "candidate"];

export async function runPoolAb({ baseline, candidate, rounds, log }) {
  const say = (line) => log(`pool-ab: ${line}`);
  const baselineCommit = commitOf(baseline);
  const candidateCommit = candidate ? commitOf(candidate) : undefined;
  const Manager = {
    baseline: await managerClassIn(buildCommit(baselineCommit, say)),
    candidate: await managerClassIn(candidateCommit ? buildCommit(candidateCommit, say) : REPO_ROOT),
  };
  const stub = [];
  for (const inFlight of STUB_IN_FLIGHT) {
    for (const signal of [false, true]) {
      stub.push(await stubPath(Manager, inFlight, signal, rounds));
      say(`stub, ${inFlight} in flight${signal ? ", a caller's signal" : ""}: ${JSON.stringify(stub.at(-1))}`);
    }
  }
  const echo = await withBenchPinned(() => stdioEcho(Manager, rounds, say));
  return {
    baseline: { ref: baseline, commit: baselineCommit },
    candidate: candidateCommit ? { ref: candidate, commit: candidateCommit } : workingTree(),
    rounds,
    stub,
    echo,
  };
}

async function managerClassIn(dir) {
  const entry = pathToFileURL(path.join(dir, "packages/mcp-pool/dist/index.js")).href;
  return (await import(entry)).PooledMCPServerManager;
}

/** µs each build's callTool adds over the stub called directly, per round; their medians and ratio. */
async function stubPath(Manager, inFlight, withSignal, rounds) {
  const config = { mcpServers: { stub: { command: "stub", pool: { maxConnections: 1, maxCallsPerConnection: 256 } } } };
  const managers = Object.fromEntries(VARIANTS.map((variant) => [variant, new Manager[variant](config, { connectionFactory })]));
  const direct = stubClient();
  // One signal for every call, as an agent passes its turn's.
  const options = withSignal ? { signal: new AbortController().signal } : {};
  const calls = {
    direct: () => direct.request({ method: "tools/call" }),
    ...Object.fromEntries(VARIANTS.map((variant) => [variant, () => managers[variant].callTool("stub__echo", { text: "x" }, options)])),
  };
  try {
    for (const call of Object.values(calls)) await usPerCall(call, inFlight); // warm-up
    const added = { baseline: [], candidate: [] };
    for (let round = 0; round < rounds; round++) {
      const us = {};
      for (const name of rotated(["direct", ...VARIANTS], round)) us[name] = await usPerCall(calls[name], inFlight);
      for (const variant of VARIANTS) added[variant].push(us[variant] - us.direct);
    }
    const ratios = added.candidate.map((us, i) => us / added.baseline[i]);
    return {
      inFlight,
      callerSignal: withSignal,
      baselineAddedUs: round3(median(added.baseline)),
      candidateAddedUs: round3(median(added.candidate)),
      addedRatio: round3(median(ratios)),
      addedRatioRange: minMax(ratios),
    };
  } finally {
    await Promise.all(VARIANTS.map((variant) => managers[variant].close()));
  }
}

/**
 * server-everything's echo over stdio through each build, 8, 64 and 256 in flight. Every round starts both
 * anew (a child each), in turn first: with the same two children for all rounds, the second build measured
 * 5-10% cheaper than the first in a run of one build against itself.
 */
async function stdioEcho(Manager, rounds, say) {
  const [command, ...args] = onChildCore([process.execPath, EVERYTHING_MAIN, "stdio"]);
  const entry = { command, args, pool: { maxConnections: 1, maxCallsPerConnection: 256, maxWaiting: 256 }, maxCallsPerSession: 256 };
  /** `${inFlight}` -> variant -> one { cpuUs, rate } per round */
  const runs = new Map(ECHO_IN_FLIGHT.map((inFlight) => [inFlight, { baseline: [], candidate: [] }]));
  for (let round = 0; round < rounds; round++) {
    const order = rotated(VARIANTS, round);
    const managers = {};
    try {
      for (const variant of order) {
        managers[variant] = new Manager[variant]({ mcpServers: { everything: entry } });
        await measure(echo(managers[variant]), 300, 8); // connects, warms up
      }
      for (const inFlight of ECHO_IN_FLIGHT) {
        for (const variant of order) {
          const cpuBefore = process.cpuUsage();
          const { latenciesUs, seconds } = await measure(echo(managers[variant]), ECHO_MS, inFlight);
          const cpu = process.cpuUsage(cpuBefore);
          runs.get(inFlight)[variant].push({ cpuUs: (cpu.user + cpu.system) / latenciesUs.length, rate: latenciesUs.length / seconds });
        }
      }
    } finally {
      await Promise.all(Object.values(managers).map((manager) => manager.close()));
    }
  }
  return ECHO_IN_FLIGHT.map((inFlight) => {
    const { baseline, candidate } = runs.get(inFlight);
    const ratio = (field) => candidate.map((run, i) => run[field] / baseline[i][field]);
    const row = {
      inFlight,
      baselineCpuUsPerCall: round1(median(baseline.map((run) => run.cpuUs))),
      candidateCpuUsPerCall: round1(median(candidate.map((run) => run.cpuUs))),
      cpuRatio: round3(median(ratio("cpuUs"))),
      callsPerSecondRatio: round3(median(ratio("rate"))),
      callsPerSecondRatioRange: minMax(ratio("rate")),
    };
    say(`stdio echo, ${inFlight} in flight: ${JSON.stringify(row)}`);
    return row;
  });
}

function echo(manager) {
  return () => manager.callTool("everything__echo", { message: "pool-ab" });
}
