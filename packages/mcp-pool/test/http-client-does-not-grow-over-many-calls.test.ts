// One pooled Streamable HTTP client carries thousands of calls over its life. Node's fetch hangs an abort
// listener per request on the signal it is given and removes it only when the request is garbage-collected;
// the SDK's transport gives every request the same long-lived signal, which then warns
// (MaxListenersExceededWarning) after ~1,500 calls. A pooled client must neither warn nor grow.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startLabHttp } from "./helpers/fixture-servers.js";
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

describe("a pooled Streamable HTTP client", () => {
  it(`carries ${CALLS} calls without a MaxListenersExceededWarning`, async () => {
    const lab = await use.fixture(startLabHttp());
    const manager = use.manager({ lab: lab.entry({ pool: { maxConnections: 1 } }) });
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < CALLS; i = next++) {
        expect(textOf(await manager.callTool("lab__echo", { text: `call-${i}` }))).toBe(`echo:call-${i}`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));

    expect(serverStats(manager)).toMatchObject({ clientsCreated: 1, callsOk: CALLS, callsInFlight: 0 });
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.map((warning) => `${warning.name}: ${warning.message}`)).toEqual([]);
  });
});
