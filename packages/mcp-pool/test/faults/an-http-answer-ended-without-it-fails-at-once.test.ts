// A tool call whose streamed (SSE) HTTP answer ends properly but without the answer (a proxy or a server that
// drops the request; here the lab server ends a `hang` call's stream 100 ms in) fails at once: before, the SDK
// took the stream's end in silence and the call waited for its timeout, then failed as timed out. It fails with
// ConnectionLostError (it may have run) saying the answer never came; the session still answers, so the client
// and its state are kept. Calls whose answers do come are not touched, however many share the client. A
// resumable server's answer ended so is the SDK's to resume; if the server then dies, the call fails when the SDK
// gives up (before, it waited for its timeout).
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ConnectionLostError } from "../../src/index.js";
import { startLabHttp } from "@mcp-pool/test-support/fixture-servers";
import { waitFor } from "@mcp-pool/test-support/processes";
import { rejectionOf, serverStats, textOf, useManagers } from "../helpers/manager.js";

const use = useManagers();
/** Far beyond the 100 ms after which the answer ends: a call that waited for its timeout fails the checks. */
const entry = { transport: "streamable-http", callTimeoutMs: 30_000 } as const;

describe("an SSE answer that ends without the answer", () => {
  it("fails its call at once saying so, and the session goes on", async () => {
    const lab = await use.fixture(startLabHttp({ endHangAnswers: true }));
    const manager = use.manager({ lab: { url: lab.url, ...entry } });
    expect(textOf(await manager.callTool("lab__increment"))).toBe("1");

    const error = await rejectionOf(manager.callTool("lab__hang"));
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error).toMatchObject({ code: "connection_lost", mayHaveRun: true, server: "lab" });
    expect((error as Error).message).toBe(
      'Connection to MCP server "lab" was lost during "hang" (HTTP response ended without the answer); it may have run',
    );

    // The session answered the ping: same client, same state.
    expect(textOf(await manager.callTool("lab__increment"))).toBe("2");
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 1, clientsDestroyed: 0 });
  });

  it("leaves the answers that come alone: 200 calls at once on one client, some answers of megabytes, are all answered", async () => {
    const lab = await use.fixture(startLabHttp({ endHangAnswers: true }));
    const manager = use.manager({ lab: { url: lab.url, ...entry, pool: { maxConnections: 1, maxCallsPerConnection: 64 } } });
    // Every 20th answer is 2 MB (the text twice: as content and as structured content), read in many chunks.
    const textFor = (i: number) => (i % 20 === 0 ? `${i}:${"x".repeat(1_000_000)}` : `${i}`);
    const texts = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        manager.callTool("lab__echo", { text: textFor(i) }, { sessionId: `user-${i % 50}` }).then(textOf),
      ),
    );
    expect(texts).toEqual(Array.from({ length: 200 }, (_, i) => `echo:${textFor(i)}`));
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 1, clientsDestroyed: 0, callsOk: 200, callsFailed: {} });
    expect(serverStats(manager).callsFailed).toEqual({});
  });

  it("of a resumable server, which then dies: the call fails when the SDK gives up resuming it, not at its timeout", async () => {
    const lab = await use.fixture(startLabHttp({ eventStore: true, endHangAnswers: true }));
    const manager = use.manager({ lab: { url: lab.url, ...entry } });
    expect(textOf(await manager.callTool("lab__increment"))).toBe("1");

    const hang = rejectionOf(manager.callTool("lab__hang"));
    await sleep(300); // the answer stream has ended (100 ms in); the SDK is to resume it
    process.kill(lab.pid, "SIGKILL");
    const error = await hang;
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error).toMatchObject({ code: "connection_lost", mayHaveRun: true, server: "lab" });
    // The client was lost, not kept: it is closed.
    await waitFor(() => serverStats(manager).clientsDestroyed === 1, { what: "the dead server's client to be closed" });
  });
});
