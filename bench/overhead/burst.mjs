/**
 * The default config under a burst, against one bare SDK client: 64 and 256
 * callers calling echo over stdio one call after another. "Cold" is a client
 * that has just connected and made one call when the burst comes (the pool
 * grows, or not, during it; the bare client's child, like the pool's first,
 * is a new process whose code is not yet optimized); "warm" is the same
 * client's next burst. Each round makes new pools and a new bare client;
 * variants are interleaved (each goes first in turn) and a ratio is the
 * median of the rounds' ratios to the bare client's burst of the same kind.
 * While a cold burst runs, the pool's open clients are sampled: the growth table.
 */

import { bareEcho, pooledEchoWith } from "./echo-clients.mjs";
import { median, rotated, round3 } from "../lib/numbers.mjs";
import { measure } from "./measure.mjs";

const CALLERS = [64, 256];
/** When the growth table reads the open clients, in ms after the burst began. */
export const GROWTH_AT_MS = [0, 100, 250, 500, 1000];
const SAMPLE_EVERY_MS = 20;

export const BURST_VARIANTS = {
  default: {},
  "maxCallsPerConnection: 64 (the former default over stdio; the rest of a burst waits in the pool's queue)": {
    pool: { maxCallsPerConnection: 64 },
  },
  "growAfterWaitMs: 0 (a client per maxCallsPerConnection waiters at once, the former default)": { pool: { growAfterWaitMs: 0 } },
};

/**
 * The bare clients of the burst: the baseline, and one whose child runs in a
 * session of its own, as the pool starts children (so that close() ends the
 * whole process group): where Linux scheduler autogroups apply, that alone
 * changes the numbers (docs/benchmarks.md).
 */
export const OWN_SESSION = "bare SDK client, its child in a session of its own (setsid, as the pool starts children)";
const BARE_CLIENTS = { bare: {}, [OWN_SESSION]: { ownSession: true } };

export async function runBurst({ rounds, measureMs, warmupMs, variants = BURST_VARIANTS, callers = CALLERS }) {
  const target = { transport: "stdio" };
  // At least a second of burst, so that growth (a child takes a while to start) shows.
  const burstMs = Math.max(measureMs, 1000);
  const names = [...Object.keys(BARE_CLIENTS), ...Object.keys(variants)];
  /** `${callers}/${name}` → { cold: [], warm: [], timelines: [] } per round */
  const samples = new Map();
  const sample = (key) => samples.get(key) ?? samples.set(key, { cold: [], warm: [], timelines: [] }).get(key);
  // This process's own code (the SDK, the pool) is optimized before the first round, as in a running server.
  for (const warmup of [await bareEcho(target), pooledEchoWith(target)]) {
    await measure(() => warmup.call(), warmupMs, 8).finally(() => warmup.close());
  }
  for (let round = 0; round < rounds; round++) {
    for (const n of callers) {
      for (const name of rotated(names, round)) {
        const into = sample(`${n}/${name}`);
        if (name in BARE_CLIENTS) {
          const bare = await bareEcho({ ...target, ...BARE_CLIENTS[name] });
          try {
            await bare.call();
            into.cold.push(rate(await measure(bare.call, burstMs, n)));
            into.warm.push(rate(await measure(bare.call, burstMs, n)));
          } finally {
            await bare.close();
          }
          continue;
        }
        const pool = pooledEchoWith(target, variants[name]);
        try {
          await pool.call(); // the first client is up: the burst shows what the pool opens beyond it
          const timeline = [];
          const started = performance.now();
          const sampler = setInterval(() => timeline.push([performance.now() - started, openClients(pool.manager)]), SAMPLE_EVERY_MS);
          timeline.push([0, openClients(pool.manager)]);
          try {
            into.cold.push(rate(await measure(() => pool.call(), burstMs, n)));
          } finally {
            clearInterval(sampler);
          }
          into.timelines.push(timeline);
          into.warm.push(rate(await measure(() => pool.call(), burstMs, n)));
        } finally {
          await pool.close();
        }
      }
    }
  }
  const rows = [];
  const growth = [];
  for (const n of callers) {
    const bare = sample(`${n}/bare`);
    for (const name of names.slice(1)) {
      const { cold, warm, timelines } = sample(`${n}/${name}`);
      rows.push({
        callers: n,
        variant: name,
        bareColdCallsPerSecond: Math.round(median(bare.cold)),
        bareWarmCallsPerSecond: Math.round(median(bare.warm)),
        coldCallsPerSecond: Math.round(median(cold)),
        warmCallsPerSecond: Math.round(median(warm)),
        coldRatio: round3(median(cold.map((r, i) => r / bare.cold[i]))),
        warmRatio: round3(median(warm.map((r, i) => r / bare.warm[i]))),
      });
      if (name in BARE_CLIENTS) continue;
      growth.push({
        callers: n,
        variant: name,
        clientsAt: Object.fromEntries(GROWTH_AT_MS.map((at) => [at, median(timelines.map((t) => clientsAt(t, at)))])),
        clientsAtEnd: median(timelines.map((t) => t.at(-1)?.[1] ?? 0)),
      });
    }
  }
  return { rounds, burstMs, rows, growth };
}

const rate = ({ latenciesUs, seconds }) => latenciesUs.length / seconds;

function openClients(manager) {
  return manager.stats().servers[0]?.clientsOpen ?? 0;
}

/** Clients open at `atMs` in a timeline of [ms, open] samples: the last sample taken by then. */
export function clientsAt(timeline, atMs) {
  let open = timeline[0]?.[1] ?? 0;
  for (const [ms, count] of timeline) if (ms <= atMs) open = count;
  return open;
}
