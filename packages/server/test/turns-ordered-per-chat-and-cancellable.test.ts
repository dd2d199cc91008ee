import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@mcp-pool/test-support/processes";
import { ChatClient } from "./helpers/chat-client.js";
import { labEntry, startChatServer, type TestServer } from "./helpers/servers.js";

const slow = (ms: number, text: string) => `/call lab__slow_read ${JSON.stringify({ ms, text })}`;
const answers = (client: ChatClient) => client.frames.flatMap((f) => (f.type === "answer" ? [f.text] : []));

describe("turns", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startChatServer(
      {
        lab: labEntry({ pool: { maxConnections: 2 } }),
        labPerSession: labEntry({ sharing: "per-session" }),
      },
      {
        authTokens: new Map([
          ["tok-ann", "ann"],
          ["tok-bob", "bob"],
        ]),
        maxQueuedTurns: 2,
      },
    );
  });
  afterAll(async () => {
    await server?.close({ graceMs: 500 });
  });

  const inFlight = () => server.manager.stats().servers.reduce((sum, s) => sum + s.callsInFlight, 0);

  it("runs the turns of one chat in the order they were sent", async () => {
    const client = await ChatClient.open(server.url, { token: "tok-ann" });
    client.send({ chat_id: "c1", question: slow(400, "one") });
    client.send({ chat_id: "c1", question: slow(1, "two") });
    client.send({ chat_id: "c1", question: slow(1, "three") });
    await client.until((f) => f.type === "answer" && f.text === "slow:three");
    expect(answers(client)).toEqual(["slow:one", "slow:two", "slow:three"]);
    await client.close();
  });

  it("runs one user's turns in one chat one after another across their sockets, and refuses busy beyond the line", async () => {
    const first = await ChatClient.open(server.url, { token: "tok-ann" });
    const second = await ChatClient.open(server.url, { token: "tok-ann" });
    const other = await ChatClient.open(server.url, { token: "tok-bob" });
    first.send({ chat_id: "shared", question: slow(1500, "first") });
    await first.until((f) => f.type === "tool_call");
    // Two wait behind the other socket's turn (maxQueuedTurns: 2); a third one is busy.
    second.send({ chat_id: "shared", question: slow(1, "second") });
    second.send({ chat_id: "shared", question: slow(1, "third") });
    second.send({ chat_id: "shared", question: slow(1, "fourth") });
    const refused = await second.until((f) => f.type === "error");
    expect(refused).toMatchObject({ chat_id: "shared", code: "busy" });
    expect(refused.type === "error" && refused.message).toBe("too many questions waiting in this chat");
    // Another user's chat of the same name is not in that line.
    expect((await other.ask("shared", slow(1, "bob"))).at(-1)).toMatchObject({ type: "answer", text: "slow:bob" });

    await second.until((f) => f.type === "answer" && f.text === "slow:third");
    const firstAnswered = first.arrivals[first.frames.findIndex((f) => f.type === "answer")]!;
    const secondCalled = second.arrivals[second.frames.findIndex((f) => f.type === "tool_call")]!;
    // The waiting turns began only once the other socket's turn had answered.
    expect(firstAnswered).toBeLessThanOrEqual(secondCalled);
    expect(answers(first)).toEqual(["slow:first"]);
    expect(answers(second)).toEqual(["slow:second", "slow:third"]);
    await Promise.all([first.close(), second.close(), other.close()]);
  });

  it("runs different chats of one socket at the same time", async () => {
    const client = await ChatClient.open(server.url, { token: "tok-ann" });
    client.send({ chat_id: "slow", question: slow(800, "slow") });
    client.send({ chat_id: "fast", question: slow(1, "fast") });
    await client.until((f) => f.type === "answer" && f.text === "slow:slow");
    expect(answers(client)).toEqual(["slow:fast", "slow:slow"]);
    await client.close();
  });

  it("cancels the turn in progress in a chat, and drops the ones waiting behind it", async () => {
    const client = await ChatClient.open(server.url, { token: "tok-ann" });
    client.send({ chat_id: "c1", question: slow(10_000, "never") });
    client.send({ chat_id: "c1", question: slow(1, "queued") });
    client.send({ chat_id: "c2", question: slow(300, "untouched") });
    await client.until((f) => f.type === "tool_call" && f.chat_id === "c1");
    const started = Date.now();
    client.send({ type: "cancel", chat_id: "c1" });

    const c1Errors = () => client.frames.filter((f) => f.type === "error" && f.chat_id === "c1");
    await waitFor(() => c1Errors().length === 2, { timeoutMs: 5000, what: "both c1 turns to end" });
    const errors = c1Errors();
    expect(errors.map((f) => f.type === "error" && f.code)).toEqual(["cancelled", "cancelled"]);
    expect(Date.now() - started).toBeLessThan(5000);
    await client.until((f) => f.type === "answer" && f.chat_id === "c2");
    expect(answers(client)).toEqual(["slow:untouched"]);
    await waitFor(() => inFlight() === 0, { what: "no call in flight" });

    const after = await client.ask("c1", slow(1, "after cancel"));
    expect(after.at(-1)).toMatchObject({ type: "answer", text: "slow:after cancel" });
    await client.close();
  });

  it("a closing socket cancels its calls in flight and releases its per-session MCP client", async () => {
    const client = await ChatClient.open(server.url, { token: "tok-ann" });
    const sessionId = client.ready.session_id;
    const created: string[] = [];
    const destroyed: string[] = [];
    server.manager.on("clientCreated", (e) => e.server === "labPerSession" && e.sessionId === sessionId && created.push(e.sessionId));
    server.manager.on("clientDestroyed", (e) => e.server === "labPerSession" && e.sessionId === sessionId && destroyed.push(e.reason));
    client.send({ chat_id: "c1", question: `/call labPerSession__slow_read ${JSON.stringify({ ms: 10_000, text: "x" })}` });
    client.send({ chat_id: "c2", question: slow(10_000, "y") });
    // The per-session client's child starts first: give it time on a loaded machine.
    await waitFor(() => inFlight() === 2, { timeoutMs: 20_000, what: "both calls in flight" });
    expect(created).toHaveLength(1);
    expect(destroyed).toHaveLength(0);

    await client.close();
    await waitFor(() => inFlight() === 0, { timeoutMs: 3000, what: "the calls cancelled" });
    await waitFor(() => destroyed.length === 1, { timeoutMs: 5000, what: "the session's client released" });
  });
});
