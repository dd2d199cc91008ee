// One pooled Streamable HTTP client carries thousands of calls over its life. Node's fetch hangs an abort
// listener per request on the signal it is given and removes it only when the request is garbage-collected;
// the SDK's transport gives every request the same long-lived signal, which then warns
// (MaxListenersExceededWarning) after ~1,500 calls. A pooled client must neither warn nor grow: that signal
// carries at most one listener however many calls were made.
import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startLabHttp } from "@mcp-pool/test-support/fixture-servers";
import { serverStats, textOf, useManagers } from "./helpers/manager.js";

const use = useManagers();
const CALLS = 2_000;
const IN_FLIGHT = 8;

let warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
beforeEach(() => {
  warnings = [];
  process.on("warning", onWarning);
});
afterEach(() => {
  process.off("warning", onWarning);
});

/** The signal the SDK's transport gives every request it sends (a field of its own, read for this test only). */
function transportSignal(transport: unknown): AbortSignal {
  const signal = (transport as { _abortController?: AbortController })._abortController?.signal;
  if (!signal) throw new Error("the transport has no abort signal");
  return signal;
}

describe("a pooled Streamable HTTP client", () => {
  // 2,000 HTTP calls take ~10 s on an idle 2-core machine; allow for a busy one.
  it(`carries ${CALLS} calls without a MaxListenersExceededWarning`, { timeout: 120_000 }, async () => {
    const lab = await use.fixture(startLabHttp());
    const manager = use.manager({ lab: lab.entry({ pool: { maxConnections: 1 } }) });
    const signal = await manager.withClient("lab", async (client) => transportSignal(client.transport));
    let mostAbortListeners = 0;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < CALLS; i = next++) {
        expect(textOf(await manager.callTool("lab__echo", { text: `call-${i}` }))).toBe(`echo:call-${i}`);
        mostAbortListeners = Math.max(mostAbortListeners, getEventListeners(signal, "abort").length);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));

    expect(serverStats(manager)).toMatchObject({ clientsCreated: 1, callsOk: CALLS, callsInFlight: 0 });
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.map((warning) => `${warning.name}: ${warning.message}`)).toEqual([]);
    // Whatever the garbage collector did meanwhile: one listener, which aborts the requests still open.
    expect(mostAbortListeners).toBe(1);
  });
});
