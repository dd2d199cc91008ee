/** What the overhead benches share: callers driving a call for a while. */

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
