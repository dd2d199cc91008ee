// When many waiters gave up (cancelled) and a client with room for everyone left becomes ready, every
// waiter still waiting gets a slot at once: none is skipped while slots stay free.
import { describe, expect, it } from "vitest";
import { labStdioEntry } from "./helpers/fixture-servers.js";
import { useManagers } from "./helpers/manager.js";
import { waitFor } from "./helpers/processes.js";

const use = useManagers();
const WAITERS = 100;

describe("waiters after many cancels", () => {
  it("are all lent a slot when the first client connects", async () => {
    const manager = use.manager({
      lab: labStdioEntry({ pool: { maxConnections: 1, maxCallsPerConnection: WAITERS, acquireTimeoutMs: 10_000 } }),
    });
    let lent = 0;
    const controllers = Array.from({ length: WAITERS }, () => new AbortController());
    // Every call waits for the one client to connect; each that gets its slot keeps it (hang).
    const calls = controllers.map(({ signal }) =>
      manager
        .withClient(
          "lab",
          (client) => {
            lent += 1;
            return client.callTool({ name: "hang", arguments: {} });
          },
          { signal },
        )
        .catch(() => undefined),
    );
    // Half of them, from the middle of the queue, give up before the client is ready.
    for (const controller of controllers.slice(10, 60)) controller.abort();

    await waitFor(() => lent === WAITERS - 50, { timeoutMs: 5_000, what: `${WAITERS - 50} slots lent` });
    await manager.close({ graceMs: 0 });
    await Promise.all(calls);
  });
});
