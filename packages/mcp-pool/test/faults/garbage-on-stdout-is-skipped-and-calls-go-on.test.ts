// A server that writes lines that are not JSON-RPC to its stdout (a banner, and a debug line before and after
// every message, as console.log debugging makes): the lines are skipped, every call is answered on the one
// client (the connection is not taken for lost), the pool warns about them a few times (the 1st, 10th, 100th...),
// not once per line, another user's calls are answered as fast as before, no read-only call is lost, no child
// is left, and Node prints no warning.
import { answeredAsFast, faultEntry, timed, watchWarnings } from "@mcp-pool/test-support/fault-suite";
import { descendantPids } from "@mcp-pool/test-support/processes";
import { describe, expect, it } from "vitest";
import { textOf, useManagers } from "../helpers/manager.js";

const use = useManagers();
const warnings = watchWarnings();
const CALLS = 300;

describe("garbage on a server's stdout", () => {
  it("is skipped: every call is answered on one client, with a few warnings, and other users are not slowed", async () => {
    const manager = use.manager({
      noisy: faultEntry(["--garbage"], { pool: { maxConnections: 1, maxCallsPerConnection: 32 }, maxCallsPerSession: 32 }),
      other: faultEntry(),
    });
    const poolWarnings: string[] = [];
    manager.on("warning", (event) => poolWarnings.push(event.message));
    const otherEcho = () => manager.callTool("other__echo", { text: "x" }, { sessionId: "another-user" });
    await otherEcho();
    const baseline: number[] = [];
    for (let i = 0; i < 10; i += 1) baseline.push(await timed(otherEcho));

    const calls = Array.from({ length: CALLS }, (_, i) =>
      manager.callTool("noisy__slow_read", { ms: 10, text: `${i}` }, { sessionId: `user-${i % 8}` }).then(textOf),
    );
    const during: number[] = [];
    for (let i = 0; i < 5; i += 1) during.push(await timed(otherEcho));
    expect(await Promise.all(calls)).toEqual(Array.from({ length: CALLS }, (_, i) => `slow:${i}`));

    const noisy = manager.stats().servers.find((server) => server.server === "noisy");
    expect(noisy).toMatchObject({ clientsCreated: 1, clientsDestroyed: 0, callsOk: CALLS });
    // 2 lines around each of ~300 answers and the handshake's, and the banner: the 1st, 10th and 100th are told.
    const told = poolWarnings.filter((message) => message.includes("stdout line not JSON-RPC, skipped"));
    expect(told.length).toBeGreaterThanOrEqual(3);
    expect(told.length).toBeLessThanOrEqual(4);
    answeredAsFast(baseline, during);

    await manager.close();
    expect(descendantPids()).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
