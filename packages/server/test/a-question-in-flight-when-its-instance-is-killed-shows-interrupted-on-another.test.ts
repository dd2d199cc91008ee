import { startFakeLlm, type FakeLlm } from "@mcp-pool/test-support/fake-llm";
import { waitFor } from "@mcp-pool/test-support/processes";
import { startRedisServer, type RedisServer } from "@mcp-pool/test-support/redis-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatClient, type Frame } from "./helpers/chat-client.js";
import { startServerProcess, type ServerProcess } from "./helpers/server-process.js";

describe("two server processes on one Redis, one SIGKILLed mid-turn", () => {
  let redis: RedisServer;
  let llm: FakeLlm;
  let a: ServerProcess;
  let b: ServerProcess;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    llm = await startFakeLlm();
    llm.script((request) => {
      const questions = request.messages.filter((m) => m.role === "user").map((m) => m.content);
      // The question that is in flight when its instance dies: the model never finishes it.
      if (questions.at(-1) === "hold me") return { hold: ["thinking "] };
      return { text: `seen: ${questions.join(" | ")}` };
    });
    const env = {
      REDIS_URL: redis.url,
      OPENAI_BASE_URL: llm.baseURL,
      OPENAI_API_KEY: "test",
      OPENAI_MODEL: "fake",
      AUTH_TOKENS: "tok-ann:ann",
      TURN_LOCK_MS: "1000",
      PORT: "0",
      LOG_LEVEL: "info",
    };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  });

  afterAll(async () => {
    // Closed here too, so a failed assertion leaves no socket holding the worker open.
    await Promise.all(clients.map((client) => client.close().catch(() => {})));
    await Promise.all([a?.stop(), b?.stop()]);
    await llm?.close();
    await redis?.stop();
  });

  it("keeps the acknowledged question, marked interrupted in the history any instance gives, and the chat goes on there", async () => {
    const onA = await ChatClient.open(a.url, { token: "tok-ann" });
    clients.push(onA);
    expect((await onA.ask("c1", "apple")).at(-1)).toMatchObject({ type: "answer", text: "seen: apple" });
    const from = onA.frames.length;
    onA.send({ chat_id: "c1", question: "hold me" });
    // Acknowledged and under way: the model has begun answering it.
    await onA.until((f) => f.type === "delta" && f.text === "thinking ", from);
    a.child.kill("SIGKILL");
    await onA.closed;

    const onB = await ChatClient.open(b.url, { token: "tok-ann" });
    clients.push(onB);
    const history = async (): Promise<{ role: string; text?: string; interrupted?: boolean }[]> => {
      const from = onB.frames.length;
      onB.send({ type: "history", chat_id: "c1" });
      const frame = await onB.until((f: Frame) => f.type === "history", from);
      return frame.type === "history" ? frame.messages : [];
    };
    // The dead turn's hold on the chat lapses within TURN_LOCK_MS; from then on its question reads interrupted.
    const seen = await waitFor(
      async () => {
        const messages = await history();
        return messages.at(-1)?.interrupted ? messages : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200, what: "the question to show as interrupted" },
    );
    expect(seen).toEqual([
      { role: "user", text: "apple" },
      { role: "assistant", text: "seen: apple" },
      { role: "user", text: "hold me", interrupted: true },
    ]);

    // The chat is free again and goes on with its memory; the model sees the interrupted question, unmarked.
    expect((await onB.ask("c1", "pear")).at(-1)).toMatchObject({ type: "answer", text: "seen: apple | hold me | pear" });
    expect((await history()).map((m) => [m.text, m.interrupted ?? false])).toEqual([
      ["apple", false],
      ["seen: apple", false],
      ["hold me", true],
      ["pear", false],
      ["seen: apple | hold me | pear", false],
    ]);
    await onB.close();
  });
});
