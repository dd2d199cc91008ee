import { InMemoryConversationStore } from "@mcp-pool/agent";
import { startFakeLlm, type FakeLlm } from "@mcp-pool/test-support/fake-llm";
import { startRedisServer } from "@mcp-pool/test-support/redis-server";
import { waitFor } from "@mcp-pool/test-support/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatClient, type Frame } from "./helpers/chat-client.js";
import { labEntry, startChatServer, type TestServer } from "./helpers/servers.js";

const FRAME_BYTES = 4096;

async function historyOf(client: ChatClient, chatId: string): Promise<Extract<Frame, { type: "history" }>> {
  const from = client.frames.length;
  client.send({ type: "history", chat_id: chatId });
  const frame = await client.until((f) => f.type === "history" || f.type === "error", from);
  if (frame.type !== "history") throw new Error(`expected a history frame, got ${JSON.stringify(frame)}`);
  return frame;
}

describe("the history frame (resume a chat after a reconnect)", () => {
  let llm: FakeLlm;
  let server: TestServer;
  const memory = new InMemoryConversationStore();

  beforeAll(async () => {
    llm = await startFakeLlm();
    // A question starting with "tool" makes the model read a file through the lab server first.
    llm.script((request) => {
      const last = request.messages.at(-1)!;
      if (last.role === "user" && last.content?.startsWith("tool")) {
        return { toolCalls: [{ name: "lab__slow_read", arguments: JSON.stringify({ ms: 1, text: "notes" }) }] };
      }
      return { text: `answer ${request.messages.filter((m) => m.role === "user").length}` };
    });
    server = await startChatServer(
      { lab: labEntry() },
      {
        llm: { apiKey: "test", baseURL: llm.baseURL, model: "fake", maxRetries: 0 },
        memory,
        authTokens: new Map([
          ["tok-ann", "ann"],
          ["tok-bob", "bob"],
        ]),
        maxServerFrameBytes: FRAME_BYTES,
        rateLimitQuestions: 100,
      },
    );
  });
  afterAll(async () => {
    await server?.close({ graceMs: 500 });
    await llm?.close();
  });

  it("gives a new socket of the same user the chat's messages, oldest first, tool calls with their results", async () => {
    const first = await ChatClient.open(server.url, { token: "tok-ann" });
    expect((await first.ask("c1", "hello")).at(-1)).toMatchObject({ type: "answer", text: "answer 1" });
    expect((await first.ask("c1", "tool please")).at(-1)).toMatchObject({ type: "answer", text: "answer 2" });
    await first.close();

    const again = await ChatClient.open(server.url, { token: "tok-ann" });
    const history = await historyOf(again, "c1");
    expect(history).toEqual({
      type: "history",
      chat_id: "c1",
      messages: [
        { role: "user", text: "hello" },
        { role: "assistant", text: "answer 1" },
        { role: "user", text: "tool please" },
        {
          role: "tool",
          call_id: expect.any(String),
          name: "lab__slow_read",
          arguments: { ms: 1, text: "notes" },
          ok: true,
          text: "slow:notes",
        },
        { role: "assistant", text: "answer 2" },
      ],
    });
    // The conversation goes on with its memory on the new socket.
    expect((await again.ask("c1", "and now?")).at(-1)).toMatchObject({ type: "answer", text: "answer 3" });
    await again.close();
  });

  it("never shows another user's chat of the same name, and an unknown chat is empty", async () => {
    const ann = await ChatClient.open(server.url, { token: "tok-ann" });
    await ann.ask("private", "my secret");
    const bob = await ChatClient.open(server.url, { token: "tok-bob" });
    expect(await historyOf(bob, "private")).toEqual({ type: "history", chat_id: "private", messages: [] });
    expect(await historyOf(ann, "never-used")).toEqual({ type: "history", chat_id: "never-used", messages: [] });
    await Promise.all([ann.close(), bob.close()]);
  });

  it("answers in order with the questions: a history asked right after a question shows that question", async () => {
    const client = await ChatClient.open(server.url, { token: "tok-ann" });
    client.send({ chat_id: "ordered", question: "first question" });
    const history = await historyOf(client, "ordered");
    expect(history.messages[0]).toEqual({ role: "user", text: "first question" });
    await client.until((f) => f.type === "answer" && f.chat_id === "ordered");
    await client.close();
  });

  it("marks a question the store says was interrupted (its instance died mid-turn)", async () => {
    await memory.append("ann", "cut-off", [
      { role: "user", content: "answered" },
      { role: "assistant", content: "yes" },
      { role: "user", content: "lost in a crash", interrupted: true },
    ]);
    const client = await ChatClient.open(server.url, { token: "tok-ann" });
    expect((await historyOf(client, "cut-off")).messages).toEqual([
      { role: "user", text: "answered" },
      { role: "assistant", text: "yes" },
      { role: "user", text: "lost in a crash", interrupted: true },
    ]);
    await client.close();
  });

  it("fits MAX_SERVER_FRAME_BYTES: the newest messages from a question on, the older ones counted in omitted", async () => {
    const client = await ChatClient.open(server.url, { token: "tok-ann" });
    const padding = "x".repeat(600);
    for (let i = 1; i <= 8; i++) await client.ask("long", `question ${i} ${padding}`);
    const from = client.frames.length;
    const history = await historyOf(client, "long");
    const bytes = client.frameBytes[client.frames.indexOf(history, from)]!;

    expect(bytes).toBeLessThanOrEqual(FRAME_BYTES);
    expect(history.omitted).toBeGreaterThan(0);
    expect(history.messages[0]).toMatchObject({ role: "user", text: expect.stringMatching(/^question \d/) });
    expect(history.messages.at(-1)).toEqual({ role: "assistant", text: "answer 8" });
    expect(history.messages.length + history.omitted!).toBe(16);

    // A question longer than a frame alone is shown cut, marked truncated, with its answer.
    await client.ask("huge", `big ${"y".repeat(3 * FRAME_BYTES)}`);
    const huge = await historyOf(client, "huge");
    expect(client.frameBytes[client.frames.indexOf(huge)]!).toBeLessThanOrEqual(FRAME_BYTES);
    expect(huge.messages).toEqual([
      { role: "user", text: expect.stringMatching(/^big y+$/), truncated: true },
      { role: "assistant", text: "answer 1" },
    ]);
    expect(huge.omitted).toBeUndefined();
    await client.close();
  });

  it("answers store_unavailable while the shared store (Redis) is down, and the history once it is back", async () => {
    const redis = await startRedisServer();
    const shared = await startChatServer(
      { lab: labEntry() },
      {
        llm: { apiKey: "test", baseURL: llm.baseURL, model: "fake", maxRetries: 0 },
        redisUrl: redis.url,
        authTokens: new Map([["tok-ann", "ann"]]),
      },
    );
    try {
      const client = await ChatClient.open(shared.url, { token: "tok-ann" });
      expect((await client.ask("kept", "remember")).at(-1)).toMatchObject({ type: "answer" });
      await redis.kill("SIGKILL");
      const from = client.frames.length;
      client.send({ type: "history", chat_id: "kept" });
      expect(await client.until((f) => f.type === "error" || f.type === "history", from)).toMatchObject({
        type: "error",
        chat_id: "kept",
        code: "store_unavailable",
      });
      await redis.restart();
      // Redis came back empty (nothing persisted in this test): the chat reads as empty, not as an error.
      const back = await waitFor(() => historyOf(client, "kept"), {
        timeoutMs: 15_000,
        intervalMs: 200,
        what: "the history to be readable again",
      });
      expect(back).toEqual({ type: "history", chat_id: "kept", messages: [] });
      await client.close();
    } finally {
      await shared.close({ graceMs: 0 });
      await redis.stop();
    }
  });
});
