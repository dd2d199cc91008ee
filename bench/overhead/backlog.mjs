/**
 * A backlog that lasts: more callers than one client's slots (2,048 echo
 * callers over stdio, 256 slots per client by default) for several seconds,
 * so that callers wait past growAfterWaitMs and the pool grows. It shows
 * growth trials (src/growth-check.ts): the default config keeps a client it
 * opened for the backlog only if calls then end faster, where opening a
 * client for every maxCallsPerConnection waiters at once
 * (growAfterWaitMs: 0) opens up to maxConnections whatever they add. Each
 * is compared with one bare SDK client carrying all the callers, in the same
 * round; variants are interleaved (each goes first in turn), new clients
 * each round, and the clients open are sampled over time. Trials that did not
 * pay are counted from the pool's warnings.
 */

import { median, rotated, round3 } from "../lib/numbers.mjs";
import { clientsAt } from "./burst.mjs";
import { bareEcho, pooledEchoWith } from "./echo-clients.mjs";
import { measure } from "./measure.mjs";

export const BACKLOG_CALLERS = 2_048;
// The queue holds the callers beyond the slots (the default maxWaiting of 1,000 would refuse them).
const QUEUE = { maxWaiting: 20_000 };
export const BACKLOG_VARIANTS = {
  default: { pool: QUEUE },
  "growAfterWaitMs: 0 (a client per maxCallsPerConnection waiters at once, no trial)": { pool: { ...QUEUE, growAfterWaitMs: 0 } },
};
const SAMPLE_EVERY_MS = 50;

export async function runBacklog({ rounds, durationMs, callers = BACKLOG_CALLERS }) {
  const target = { transport: "stdio" };
  /** At these ms after the backlog began, the clients open are read. */
  const at = [0, 0.1, 0.2, 0.4, 0.6, 0.8, 1].map((share) => Math.round(share * durationMs));
  const names = ["bare", ...Object.keys(BACKLOG_VARIANTS)];
  const rates = new Map(names.map((name) => [name, []]));
  const timelines = new Map(names.map((name) => [name, []]));
  const failedTrials = new Map(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of rotated(names, round)) {
      if (name === "bare") {
        const bare = await bareEcho(target);
        try {
          await bare.call();
          rates.get(name).push(rate(await measure(bare.call, durationMs, callers)));
        } finally {
          await bare.close();
        }
        continue;
      }
      const pool = pooledEchoWith(target, BACKLOG_VARIANTS[name]);
      let failed = 0;
      pool.manager.on("warning", ({ message }) => {
        // "a client opened ..." or "2 clients opened ..." (a trial of several after one that paid).
        if (/opened for a backlog did not raise throughput/.test(message)) failed += 1;
      });
      try {
        await pool.call(); // the first client is up: what opens beyond it is the backlog's
        const timeline = [];
        const started = performance.now();
        const sample = () => timeline.push([performance.now() - started, pool.manager.stats().servers[0]?.clientsOpen ?? 0]);
        sample();
        const sampler = setInterval(sample, SAMPLE_EVERY_MS);
        try {
          rates.get(name).push(rate(await measure(() => pool.call(), durationMs, callers)));
        } finally {
          clearInterval(sampler);
        }
        timelines.get(name).push(timeline);
        failedTrials.get(name).push(failed);
      } finally {
        await pool.close();
      }
    }
  }
  const bare = rates.get("bare");
  return {
    rounds,
    durationMs,
    callers,
    bareCallsPerSecond: Math.round(median(bare)),
    rows: Object.keys(BACKLOG_VARIANTS).map((name) => ({
      variant: name,
      callsPerSecond: Math.round(median(rates.get(name))),
      ratio: round3(median(rates.get(name).map((r, i) => r / bare[i]))),
      clientsAt: Object.fromEntries(at.map((ms) => [ms, median(timelines.get(name).map((t) => clientsAt(t, ms)))])),
      failedTrials: median(failedTrials.get(name)),
    })),
  };
}

const rate = ({ latenciesUs, seconds }) => latenciesUs.length / seconds;
