// A tool call whose streamed (SSE) HTTP answer is cut by the network, or by the server's death, ends at once:
// before, the SDK reported the broken stream to onerror only and the call waited for its timeout, then failed
// as timed out. A write fails with ConnectionLostError (it may have run) naming the network error; a read-only
// call is sent again. A session whose server still answers is kept; one whose server died is replaced.
// A server that offers resumption (SSE event ids) is left to the SDK, which resumes the stream; when it gives
// up (the server is gone), the client is lost and the calls fail then, not at their timeout; not when it gives up
// on the notification stream alone, even after an answer was resumed, or its call timed out (cancelled). Over the legacy
// SSE transport (mcp-proxy's /sse, a real server from npm) the session is the event stream: when it breaks,
// the client is lost at once, as a dead child is (before, the calls waited for their timeout, and the
// EventSource reconnected into a new session under the same client, unsaid). And Debian's nginx in front, whose
// proxy_read_timeout is shorter than the tool: the call fails when nginx gives up, saying so.
// The lab server over Streamable HTTP, behind a TCP relay (helpers/tcp-relay.ts) or killed with SIGKILL.
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it, onTestFinished } from "vitest";
import { ConnectionLostError } from "../../src/index.js";
import { labServerPath, labStats, startLabHttp } from "@mcp-pool/test-support/fixture-servers";
import { descendantPids, killAndWait, waitFor } from "@mcp-pool/test-support/processes";
import { rejectionOf, serverStats, textOf, useManagers } from "../helpers/manager.js";
import { startMcpProxy, useRealServerBins } from "../helpers/real-servers.js";
import { startNginxInFront } from "../helpers/nginx-in-front.js";
import { startRelay } from "../helpers/tcp-relay.js";
import { waitForPortFree } from "../helpers/port-free.js";

const use = useManagers();
useRealServerBins();

/** How long the slow tools take: a call that ends sooner was ended by the cut, not by its answer. */
const TOOL_MS = 10_000;
// Far beyond the tool: a call that waited for its timeout would show.
const entry = { callTimeoutMs: 30_000 };

async function inFlight(manager: ReturnType<typeof use.manager>): Promise<void> {
  await waitFor(() => serverStats(manager).callsInFlight === 1, { what: "the call to be in flight" });
  await sleep(200); // the server has begun answering (the SSE stream is open)
}

/** A slow write, cut by `cut()` once in flight: it fails before the tool would have answered, saying it may have run. */
async function cutWrite(manager: ReturnType<typeof use.manager>, cut: () => void, sessionId?: string): Promise<Error> {
  const startedAt = Date.now();
  const write = manager.callTool("lab__slow_write", { ms: TOOL_MS }, { sessionId });
  await inFlight(manager);
  cut();
  const error = await rejectionOf(write);
  expect(Date.now() - startedAt).toBeLessThan(TOOL_MS);
  expect(error).toBeInstanceOf(ConnectionLostError);
  expect(error).toMatchObject({ code: "connection_lost", mayHaveRun: true, server: "lab" });
  return error as Error;
}

describe("an SSE answer cut mid-stream", () => {
  it("by a reset connection: a write fails at once saying why, and the session goes on", async () => {
    const lab = await use.fixture(startLabHttp());
    const relay = await startRelay(lab.port);
    try {
      const manager = use.manager({ lab: { url: `http://127.0.0.1:${relay.port}/mcp`, transport: "streamable-http", ...entry } });
      expect(textOf(await manager.callTool("lab__increment"))).toBe("1");

      const error = await cutWrite(manager, () => relay.resetAll());
      expect(error.message).toMatch(
        /^Connection to MCP server "lab" was lost during "slow_write" \(HTTP response failed \(.+\)\); it may have run$/,
      );

      expect(textOf(await manager.callTool("lab__increment"))).toBe("2");
      expect(await labStats(lab)).toMatchObject({ sessionsOpened: 1 });
      expect(serverStats(manager)).toMatchObject({ clientsCreated: 1, clientsDestroyed: 0, callsInFlight: 0 });
    } finally {
      await relay.close();
    }
  });

  it("by a reset connection: a read-only call is sent again and answered", async () => {
    const lab = await use.fixture(startLabHttp());
    const relay = await startRelay(lab.port);
    try {
      const manager = use.manager({ lab: { url: `http://127.0.0.1:${relay.port}/mcp`, transport: "streamable-http", ...entry } });
      const read = manager.callTool("lab__slow_read", { ms: 1_000, text: "again" });
      await inFlight(manager);
      relay.resetAll();
      expect(textOf(await read)).toBe("slow:again");
      expect(relay.resets).toBeGreaterThan(0);
      expect(serverStats(manager)).toMatchObject({ clientsCreated: 1, callsOk: 1, callsFailed: {} });
    } finally {
      await relay.close();
    }
  });

  it("by the server's death: a write fails at once, and the next call, once it is back, gets a new session", async () => {
    const lab = await use.fixture(startLabHttp());
    const manager = use.manager({ lab: lab.entry(entry) });
    expect(textOf(await manager.callTool("lab__increment"))).toBe("1");

    await cutWrite(manager, () => process.kill(lab.pid, "SIGKILL"));
    // Its session did not answer a ping: the client is given up.
    await waitFor(() => serverStats(manager).clientsDestroyed === 1, { what: "the dead server's client to be closed" });

    await lab.stop();
    await waitForPortFree(lab.port);
    const back = await use.fixture(startLabHttp({ port: lab.port }));
    const next = await manager.callTool("lab__increment");
    expect(textOf(next)).toBe("1");
    expect(await labStats(back)).toMatchObject({ sessionsOpened: 1 });
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 2, callsInFlight: 0 });
  });

  it("of a server that offers resumption: the SDK resumes the stream and the write's answer arrives, once", async () => {
    const lab = await use.fixture(startLabHttp({ eventStore: true }));
    const relay = await startRelay(lab.port);
    try {
      const manager = use.manager({ lab: { url: `http://127.0.0.1:${relay.port}/mcp`, transport: "streamable-http", ...entry } });
      expect(textOf(await manager.callTool("lab__increment"))).toBe("1");
      const write = manager.callTool("lab__slow_write", { ms: 1_500 });
      await inFlight(manager);
      relay.resetAll();
      expect(textOf(await write)).toBe("slow:1500");
      expect(relay.resets).toBeGreaterThan(0);
      expect(textOf(await manager.callTool("lab__increment"))).toBe("2");
      expect(serverStats(manager)).toMatchObject({ clientsCreated: 1, clientsDestroyed: 0, callsOk: 3, callsFailed: {} });
    } finally {
      await relay.close();
    }
  });
});

describe("a resumable server's notification stream (GET) that cannot reconnect", () => {
  it.each([
    { when: "no answer was due on it", before: "nothing", getStreams: 1 },
    { when: "after a cut answer was resumed and came", before: "a resumed answer", getStreams: 1 },
    // The resumed answer's stream (a GET too) stays open: the server never answers a cancelled request.
    { when: "after a call whose cut answer awaited resumption timed out", before: "a timed-out call", getStreams: 2 },
  ] as const)("leaves the session alone: $when", async ({ before, getStreams }) => {
    const lab = await use.fixture(startLabHttp({ eventStore: true }));
    const relay = await startRelay(lab.port);
    try {
      const manager = use.manager({ lab: { url: `http://127.0.0.1:${relay.port}/mcp`, transport: "streamable-http", ...entry } });
      expect(textOf(await manager.callTool("lab__increment"))).toBe("1");
      if (before === "a resumed answer") {
        const write = manager.callTool("lab__slow_write", { ms: 1_500 });
        await inFlight(manager);
        relay.resetAll();
        expect(textOf(await write)).toBe("slow:1500");
      }
      if (before === "a timed-out call") {
        // Its answer never comes: the SDK's timeout cancels the request (notifications/cancelled), and nothing awaits it.
        const hang = manager.callTool("lab__hang", {}, { timeoutMs: 2_000 });
        await inFlight(manager);
        relay.resetAll();
        expect(await rejectionOf(hang)).toMatchObject({ code: "tool_timeout" });
      }
      await waitFor(async () => (await labStats(lab)).streamsOpen === getStreams, { what: "the GET streams to be open" });

      relay.refuseNew = true;
      relay.resetAll();
      const cut = relay.resets;
      // The SDK tries each stream twice more (1 s, then 2 s later), then gives up on it.
      await waitFor(() => relay.resets >= cut + 2 * getStreams, { timeoutMs: 10_000, what: "two refused reconnects a stream" });
      await sleep(200);
      relay.refuseNew = false;

      // The same session, its state kept.
      expect(textOf(await manager.callTool("lab__increment"))).toBe("2");
      expect(await labStats(lab)).toMatchObject({ sessionsOpened: 1 });
      expect(serverStats(manager)).toMatchObject({ clientsCreated: 1, clientsDestroyed: 0 });
    } finally {
      await relay.close();
    }
  });
});

describe("a legacy SSE event stream cut mid-answer (mcp-proxy /sse)", () => {
  it("loses the client at once: a write fails saying it may have run, a read-only call is answered on a new one", async () => {
    const proxy = await use.fixture(startMcpProxy(process.execPath, [labServerPath]));
    const relay = await startRelay(proxy.port);
    try {
      const manager = use.manager({
        lab: { url: `http://127.0.0.1:${relay.port}/sse`, transport: "sse", sharing: "per-session", ...entry },
      });
      expect(textOf(await manager.callTool("lab__echo", { text: "up" }, { sessionId: "alice" }))).toBe("echo:up");

      await cutWrite(manager, () => relay.resetAll(), "alice");
      // The next answer comes from a new client, and says the session's server state may be new.
      const next = await manager.callTool("lab__echo", { text: "again" }, { sessionId: "alice" });
      expect(textOf(next)).toBe("echo:again");
      expect(next.sessionReset).toBe("connection lost");

      const read = manager.callTool("lab__slow_read", { ms: 1_000, text: "read" }, { sessionId: "alice" });
      await inFlight(manager);
      relay.resetAll();
      expect(textOf(await read)).toBe("slow:read");
      expect(serverStats(manager)).toMatchObject({ clientsCreated: 3, callsInFlight: 0, callsFailed: { connection_lost: 1 } });
    } finally {
      await relay.close();
    }
  });
});

describe("mcp-proxy killed mid-answer (its /mcp answers are resumable; /sse is legacy SSE)", () => {
  for (const transport of ["streamable-http", "sse"] as const) {
    it(`${transport}: the write fails long before its timeout, and the lost client is closed`, async () => {
      const proxy = await use.fixture(startMcpProxy(process.execPath, [labServerPath]));
      const path = transport === "sse" ? "sse" : "mcp";
      const manager = use.manager({ lab: { url: `http://127.0.0.1:${proxy.port}/${path}`, transport, ...entry } });
      expect(textOf(await manager.callTool("lab__echo", { text: "up" }))).toBe("echo:up");
      // Its stdio server outlives it (until the write's timer ends): ended here, by pid.
      const orphans = descendantPids(proxy.pid);
      expect(orphans).toHaveLength(1);
      onTestFinished(() => Promise.all(orphans.map((pid) => killAndWait(pid, "SIGKILL"))).then(() => undefined));
      await cutWrite(manager, () => process.kill(proxy.pid, "SIGKILL"));
      await waitFor(() => serverStats(manager).clientsDestroyed === 1, { what: "the lost client to be closed" });
    });
  }
});

describe("nginx in front, its proxy_read_timeout shorter than the tool", () => {
  it("ends the call when nginx cuts the answer, saying so, and the session goes on", async () => {
    const lab = await use.fixture(startLabHttp());
    const nginx = await startNginxInFront(lab.port, { readTimeout: "1s" });
    try {
      const manager = use.manager({ lab: { url: `${nginx.url}/mcp`, transport: "streamable-http", ...entry } });
      expect(textOf(await manager.callTool("lab__increment"))).toBe("1");
      const startedAt = Date.now();
      const error = await rejectionOf(manager.callTool("lab__slow_write", { ms: TOOL_MS }));
      expect(Date.now() - startedAt).toBeLessThan(TOOL_MS);
      expect(error).toMatchObject({ code: "connection_lost", mayHaveRun: true, server: "lab" });
      expect((error as Error).message).toMatch(/\(HTTP response failed \(.+\)\); it may have run$/);
      expect(textOf(await manager.callTool("lab__increment"))).toBe("2");
      expect(serverStats(manager)).toMatchObject({ clientsCreated: 1, clientsDestroyed: 0 });
    } finally {
      await nginx.stop();
    }
  });
});
