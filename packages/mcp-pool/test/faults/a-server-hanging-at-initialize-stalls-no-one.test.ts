// A server whose start hangs (it never answers initialize) beside a healthy one. Listing the tools answers at
// once with the healthy server's tools and reports the hung one in `unavailable` (catalog_loading while its
// first load is in progress, then the error of its last load), loading it in the background; a call to the
// healthy server never waits for it. Over several connect timeouts and circuit probes of the hung server, a
// listing plus a healthy call take about as long as in a manager without it (interleaved, same run); no
// child is left and no warning printed.
import { answeredAsFast, faultEntry, startCounter, timed, watchWarnings } from "@mcp-pool/test-support/fault-suite";
import { descendantPids } from "@mcp-pool/test-support/processes";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { CatalogLoadingError, ServerUnavailableError, type PooledMCPServerManager } from "../../src/index.js";
import { rejectionOf, textOf, useManagers } from "../helpers/manager.js";

const use = useManagers();
const warnings = watchWarnings();
const CONNECT_TIMEOUT_MS = 1_500;
/** Long enough for several connect timeouts of the hung server, each followed by its circuit's backoff. */
const RUN_MS = 8_000;

/** The hung server's entry, and how many times it was started so far. */
function hung() {
  const starts = startCounter();
  const entry = faultEntry(["--hang-at-initialize", "--pid-file", starts.path], {
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    circuit: { failureThreshold: 1, baseBackoffMs: 300, maxBackoffMs: 600 },
  });
  return { entry, starts };
}

function hungStats(manager: PooledMCPServerManager) {
  const stats = manager.stats().servers.find((server) => server.server === "hung");
  if (!stats) throw new Error("no server hung");
  return stats;
}

/** What a user's turn does before the model sees it: list the tools, then call one. */
async function listAndCall(manager: PooledMCPServerManager): Promise<string> {
  const { tools } = await manager.listTools({ sessionId: "a-user" });
  expect(tools.map((tool) => tool.name)).toContain("ok__echo");
  return textOf(await manager.callTool("ok__echo", { text: "hi" }, { sessionId: "a-user" }));
}

describe("a server hanging at initialize beside a healthy one", () => {
  it("is listed as loading while the healthy server's tools and calls answer at once", async () => {
    const manager = use.manager({ ok: faultEntry(), hung: hung().entry });
    // A call to the healthy server loads its tools alone.
    expect(textOf(await manager.callTool("ok__echo", { text: "first" }))).toBe("echo:first");
    expect(hungStats(manager).clientsCreated).toBe(0);

    const startedAt = Date.now();
    const listing = await manager.listTools({ waitMs: 0 });
    expect(Date.now() - startedAt).toBeLessThan(CONNECT_TIMEOUT_MS);
    expect(listing.tools.map((tool) => tool.server)).not.toContain("hung");
    expect(listing.unavailable).toEqual([{ server: "hung", error: expect.any(CatalogLoadingError) }]);
    expect(listing.unavailable[0]!.error).toMatchObject({ code: "catalog_loading", server: "hung" });

    // Once its first load has failed, listings report that failure, at once, and try again in the background.
    const ownCall = await rejectionOf(manager.callTool("hung__echo", { text: "x" }));
    expect(ownCall).toBeInstanceOf(ServerUnavailableError);
    const after = await manager.listTools();
    expect(after.unavailable).toEqual([{ server: "hung", error: expect.any(ServerUnavailableError) }]);

    await manager.close();
    expect(descendantPids()).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("keeps a listing and a healthy call as fast as without it, across connect timeouts and circuit probes", async () => {
    const without = use.manager({ ok: faultEntry() });
    const hanging = hung();
    const faulty = use.manager({ ok: faultEntry(), hung: hanging.entry });
    // The first listing waits for first loads (a bounded time); the rounds below time the steady state.
    await listAndCall(without);
    await listAndCall(faulty);

    const baseline: number[] = [];
    const during: number[] = [];
    const circuitStates = new Set<string>();
    const until = Date.now() + RUN_MS;
    while (Date.now() < until) {
      baseline.push(await timed(() => listAndCall(without)));
      during.push(await timed(() => listAndCall(faulty)));
      circuitStates.add(hungStats(faulty).circuit);
      await sleep(50);
    }

    // The hung server was tried again meanwhile (a circuit probe, a connect that timed out again).
    expect(hanging.starts()).toBeGreaterThanOrEqual(2);
    expect(hungStats(faulty).clientsCreated).toBe(0);
    expect(circuitStates).toContain("open");
    answeredAsFast(baseline, during);
    expect(Math.max(...during)).toBeLessThan(CONNECT_TIMEOUT_MS);

    await Promise.all([without.close(), faulty.close()]);
    expect(descendantPids()).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
