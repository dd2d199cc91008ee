// What a failed call tells its caller, with real SDK clients and servers in memory: a tool's own failure
// (isError) is ToolCallError; a request the server refused (a JSON-RPC error) or a result that breaks the
// tool's output schema is ToolProtocolError, the same on every pooled client, not only on the one that
// listed the tools; a read-only call whose connection dies is retried once on a new client, a write is not;
// an unknown server name is UnknownServerError. callEnd carries the code.
import { describe, expect, it } from "vitest";
import { ConnectionLostError, ToolCallError, ToolProtocolError, UnknownServerError, type ManagerEvents } from "../../src/index.js";
import { fakeConnections } from "../helpers/fake-connections.js";
import { settle, useFakeManagers } from "../helpers/fake-manager.js";
import { rejectionOf, serverStats, textOf } from "../helpers/manager.js";

const use = useFakeManagers();

describe("a failed tool call", () => {
  it("is ToolCallError only when the tool answered isError, ToolProtocolError when the server refused the request", async () => {
    const manager = use.manager(fakeConnections());
    const outcomes: ManagerEvents["callEnd"]["outcome"][] = [];
    manager.on("callEnd", (event) => outcomes.push(event.outcome));

    const toolError = await rejectionOf(manager.callTool("fake__fail", { message: "no such customer" }));
    expect(toolError).toBeInstanceOf(ToolCallError);
    expect(toolError).toMatchObject({ code: "tool_error", tool: "fail", message: "no such customer" });

    const refused = await rejectionOf(manager.callTool("fake__echo", { text: 42 }));
    expect(refused).toBeInstanceOf(ToolProtocolError);
    expect(refused).not.toBeInstanceOf(ToolCallError);
    expect(refused).toMatchObject({ code: "tool_protocol_error", tool: "echo", jsonRpcCode: -32602, server: "fake" });
    expect((refused as Error).message).toContain("text must be a string");

    expect(outcomes).toEqual(["tool_error", "tool_protocol_error"]);
    expect(serverStats(manager).callsFailed).toEqual({ tool_error: 1, tool_protocol_error: 1 });
  });

  it("checks structured content against the output schema on every pooled client", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake, { pool: { maxConnections: 2, maxCallsPerConnection: 1, growAfterWaitMs: 0 } });
    await manager.listTools(); // read through the first client
    // The first client is busy, so the next calls go to a second client, which never listed the tools.
    const busy = manager.callTool("fake__hold", { key: "busy" });
    await settle();
    const onSecond = await rejectionOf(manager.callTool("fake__typed", { n: "not a number" }));
    expect(fake.made).toHaveLength(2);
    expect(onSecond).toBeInstanceOf(ToolProtocolError);
    expect(onSecond).toMatchObject({ code: "tool_protocol_error", tool: "typed" });
    expect((onSecond as Error).message).toMatch(/does not match the tool's output schema/);
    expect((await manager.callTool("fake__typed", { n: 3 })).structuredContent).toEqual({ n: 3 });

    fake.release("busy");
    await busy;
    // Both clients free now: the same verdict whichever carries the call.
    const verdicts = await Promise.all([
      rejectionOf(manager.callTool("fake__typed", { n: "x" })),
      rejectionOf(manager.callTool("fake__typed", { n: "y" })),
    ]);
    for (const verdict of verdicts) expect(verdict).toBeInstanceOf(ToolProtocolError);
    expect(fake.made).toHaveLength(2);
  });

  it("is retried once on a new client when its connection dies and the tool is read-only", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake);
    const call = manager.callTool("fake__hold", { key: "k" });
    await settle();
    fake.made[0]!.die();
    await settle();
    expect(fake.made).toHaveLength(2);
    fake.release("k");
    expect(textOf(await call)).toBe("held:k");
    expect(serverStats(manager)).toMatchObject({ callsOk: 1, callsFailed: {}, clientsCreated: 2, clientsDestroyed: 1 });
  });

  it("is ConnectionLostError with mayHaveRun, never repeated, when the tool is not safe to repeat", async () => {
    const fake = fakeConnections();
    const manager = use.manager(fake);
    const call = rejectionOf(manager.callTool("fake__hold_write", { key: "k" }));
    await settle();
    fake.made[0]!.die();
    const error = await call;
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error).toMatchObject({ code: "connection_lost", mayHaveRun: true });
    expect(fake.made).toHaveLength(1);
  });

  it("names an unknown server with UnknownServerError, not server_unavailable", async () => {
    const manager = use.manager(fakeConnections());
    for (const attempt of [
      () => manager.withClient("nope", (client) => client.ping()),
      () => manager.listResources("nope"),
      () => manager.getPrompt("nope", "p"),
    ]) {
      const error = await rejectionOf(attempt());
      expect(error).toBeInstanceOf(UnknownServerError);
      expect(error).toMatchObject({ code: "server_not_found", server: "nope" });
    }
  });
});

describe("listTools", () => {
  it("takes { filter, signal }: the signal stops the wait, the filter narrows; a filter alone still works", async () => {
    const fake = fakeConnections({ connect: "manual" });
    const manager = use.manager(fake);
    const stop = new AbortController();
    const waiting = rejectionOf(manager.listTools({ signal: stop.signal }));
    await settle();
    stop.abort();
    expect(await waiting).toMatchObject({ code: "call_cancelled" });

    // The load it started goes on for others.
    const listing = manager.listTools({ filter: { allow: ["fake__echo", "fake__typed"] } });
    fake.last().succeed();
    expect((await listing).tools.map((tool) => tool.name)).toEqual(["fake__echo", "fake__typed"]);
    expect((await manager.listTools({ deny: ["fake__hold*"] })).tools.map((tool) => tool.name)).toEqual([
      "fake__echo",
      "fake__typed",
      "fake__fail",
    ]);
    expect(fake.made).toHaveLength(1);
  });
});
