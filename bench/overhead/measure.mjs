/** What the overhead benches share: callers driving a call for a while, and medians. */

import { summarize } from "../lib/latency.mjs";

/** `inFlight` callers call one after another for `durationMs` (then let the last ones finish); latencies in µs. */
export async function measure(call, durationMs, inFlight) {
  const latenciesUs = [];
  const started = performance.now();
  const until = started + durationMs;
  const worker = async () => {
    while (performance.now() < until) {
      const sent = performance.now();
      await call();
      latenciesUs.push((performance.now() - sent) * 1000);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { latenciesUs, seconds: (performance.now() - started) / 1000 };
}

export function median(values) {
  return summarize(values).p50;
}

export const round3 = (value) => Math.round(value * 1000) / 1000;
export const round1 = (value) => Math.round(value * 10) / 10;

/** `order` rotated by `round`: each variant goes first in turn, so drift falls on all alike. */
export function rotated(order, round) {
  const k = round % order.length;
  return [...order.slice(k), ...order.slice(0, k)];
}
