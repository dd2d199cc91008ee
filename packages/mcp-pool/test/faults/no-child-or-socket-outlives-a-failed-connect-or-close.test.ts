// The pool owns every child from spawn to confirmed exit: a connect that fails (the server hangs during
// initialize past connectTimeoutMs, or exits during it) leaves no process behind once the call has failed, not
// even the grandchild it started that ignores SIGTERM; close() right after resolves only once all are gone; an
// HTTP server's connections are closed when close() resolves. Processes are found by a marker in their command
// line, wherever their parent is (a child left behind has parent 1). Meanwhile another user's calls are answered
// as fast as before, and nothing prints a warning.
import { answeredAsFast, faultEntry, timed, watchWarnings } from "@mcp-pool/test-support/fault-suite";
import { startLabHttp } from "@mcp-pool/test-support/fixture-servers";
import { descendantPids, markedProcesses, uniqueMarker, waitFor } from "@mcp-pool/test-support/processes";
import { openSocketsTo } from "@mcp-pool/test-support/sockets";
import { describe, expect, it } from "vitest";
import { ServerUnavailableError } from "../../src/index.js";
import { rejectionOf, textOf, useManagers } from "../helpers/manager.js";

const use = useManagers();
const warnings = watchWarnings();

const FAILED_STARTS = {
  "hangs during initialize": ["--hang-at-initialize"],
  "exits during initialize": ["--exit-at-initialize"],
} as const;

describe("a failed connect, then close()", () => {
  for (const [how, flags] of Object.entries(FAILED_STARTS)) {
    it(`leaves no process of a server that ${how}, and close() right after finds none to wait for`, async () => {
      const marker = uniqueMarker("failed-connect");
      const manager = use.manager({
        bad: faultEntry([...flags, "--grandchild", "--marker", marker], { connectTimeoutMs: 1_500, killTimeoutMs: 500 }),
        other: faultEntry(),
      });
      const otherEcho = () => manager.callTool("other__echo", { text: "x" }, { sessionId: "another-user" });
      await otherEcho();
      const baseline: number[] = [];
      for (let i = 0; i < 10; i += 1) baseline.push(await timed(otherEcho));

      const failed = rejectionOf(manager.callTool("bad__echo", { text: "never" }, { sessionId: "u1" }));
      // The server and its grandchild both started (seen at any time: one that exits during initialize may be
      // gone before its grandchild shows in /proc on a loaded machine).
      const seen = new Set<number>();
      await waitFor(
        () => {
          for (const { pid } of markedProcesses(marker)) seen.add(pid);
          return seen.size === 2;
        },
        { intervalMs: 5, what: "the server and its grandchild to start" },
      );
      // Spread over the connect's 1.5 s rather than bunched while two node processes still boot (their CPU,
      // not the pool, would be timed): a connect that held other users up would hold every sample.
      const during: number[] = [];
      for (let i = 0; i < 10; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 80));
        during.push(await timed(otherEcho));
      }
      expect(await failed).toBeInstanceOf(ServerUnavailableError);
      // Owned until confirmed gone: none is left once the call has failed.
      expect(markedProcesses(marker)).toEqual([]);

      await manager.close({ graceMs: 0 });
      expect(markedProcesses(marker)).toEqual([]);
      expect(descendantPids()).toEqual([]);
      answeredAsFast(baseline, during);
      expect(warnings).toEqual([]);
    });
  }

  it("right after a connect timed out, close() resolves once the server and its grandchild are gone", async () => {
    const marker = uniqueMarker("close-after-timeout");
    const manager = use.manager({
      bad: faultEntry(["--hang-at-initialize", "--grandchild", "--marker", marker], { connectTimeoutMs: 1_000, killTimeoutMs: 2_000 }),
    });
    const failed = rejectionOf(manager.callTool("bad__echo", { text: "never" }));
    await waitFor(() => markedProcesses(marker).length === 2, { what: "the server and its grandchild to start" });
    // close() at once, whatever the failed connect is still doing.
    const closing = manager.close({ graceMs: 0 });
    await Promise.all([failed, closing]);
    expect(markedProcesses(marker)).toEqual([]);
    expect(descendantPids()).toEqual([]);
    expect(warnings).toEqual([]);
  });
});

describe("close() of an HTTP server's clients", () => {
  it("leaves no connection to it open", async () => {
    const fixture = await use.fixture(startLabHttp());
    const manager = use.manager({ http: fixture.entry({ pool: { maxConnections: 3 } }) });
    const calls = Array.from({ length: 6 }, (_, i) =>
      manager.callTool("http__slow_read", { ms: 200, text: `${i}` }, { sessionId: `u${i}` }),
    );
    expect((await Promise.all(calls)).map(textOf)).toEqual(Array.from({ length: 6 }, (_, i) => `slow:${i}`));
    expect(openSocketsTo(fixture.port)).toBeGreaterThan(0);

    await manager.close({ graceMs: 0 });
    expect(openSocketsTo(fixture.port)).toBe(0);
    expect(warnings).toEqual([]);
  });
});
