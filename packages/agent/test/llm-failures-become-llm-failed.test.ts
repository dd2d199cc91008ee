import { createServer } from "node:http";
import { PassThrough } from "node:stream";
import { pino } from "pino";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createAgent, InMemoryConversationStore, type LlmSettings } from "../src/index.js";
import { collect, lastEvent } from "./support/collect.js";
import { useToolsAndFakeLlm } from "./support/tools-and-fake-llm.js";

const fixture = useToolsAndFakeLlm();

/** A port that was just free: nothing listens on it. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function agentFor(settings: LlmSettings, memory = new InMemoryConversationStore()) {
  return createAgent({ sessionId: "s1", owner: "alice", tools: fixture.manager, llm: settings, memory });
}

describe("a failing model endpoint", () => {
  it("that refuses connections ends the turn with llm_failed, and the question is kept", async () => {
    const memory = new InMemoryConversationStore();
    const agent = agentFor({ apiKey: "test", baseURL: `http://127.0.0.1:${await closedPort()}/v1`, model: "m", maxRetries: 0 }, memory);

    const events = await collect(agent.ask("c1", "Anyone there?"));

    expect(lastEvent(events)).toMatchObject({
      type: "error",
      chatId: "c1",
      code: "llm_failed",
      message: expect.stringContaining("ECONNREFUSED"),
    });
    expect(await memory.load("alice", "c1")).toEqual([{ role: "user", content: "Anyone there?" }]);
  });

  it("that answers 429 is retried by the openai package, then gives llm_failed with the provider's message", async () => {
    fixture.llm.script(() => ({ status: 429, message: "Rate limit reached for fake-model" }));
    const agent = agentFor({ ...fixture.settings, maxRetries: 1 });

    const events = await collect(agent.ask("c1", "hello"));

    expect(lastEvent(events)).toEqual({
      type: "error",
      chatId: "c1",
      code: "llm_failed",
      message: "429 Rate limit reached for fake-model",
    });
    expect(fixture.llm.requests.slice(-2).map((r) => r.messages.at(-1)?.content)).toEqual(["hello", "hello"]);
  });

  it("is logged at warn for the operator, with what failed and not the API key", async () => {
    fixture.llm.script(() => ({ status: 503, message: "The model is overloaded" }));
    const lines: Record<string, unknown>[] = [];
    const stream = new PassThrough();
    stream.on("data", (chunk: Buffer) => {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
    });
    const apiKey = "sk-test-secret-key-0123456789";
    const agent = createAgent({
      sessionId: "s1",
      owner: "alice",
      tools: fixture.manager,
      llm: { ...fixture.settings, apiKey, maxRetries: 0 },
      logger: pino({ level: "info" }, stream),
    });

    expect(lastEvent(await collect(agent.ask("c1", "hello")))).toMatchObject({ code: "llm_failed" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, msg: "model request failed", chat_id: "c1", reason: "503 The model is overloaded" }),
    );
    expect(JSON.stringify(lines)).not.toContain(apiKey);
  });

  it("that answers 500 gives llm_failed with the provider's message", async () => {
    fixture.llm.script(() => ({ status: 500, message: "The server had an error" }));
    const agent = agentFor(fixture.settings);

    const events = await collect(agent.ask("c1", "hello"));

    expect(lastEvent(events)).toEqual({ type: "error", chatId: "c1", code: "llm_failed", message: "500 The server had an error" });
  });

  it("that closes the socket gives llm_failed", async () => {
    fixture.llm.script(() => ({ closeSocket: true }));
    const agent = agentFor(fixture.settings);

    const events = await collect(agent.ask("c1", "hello"));

    expect(lastEvent(events)).toMatchObject({
      type: "error",
      chatId: "c1",
      code: "llm_failed",
      message: expect.stringMatching(/^Connection error/),
    });
  });

  it("that recovers serves the next turn", async () => {
    const agent = agentFor(fixture.settings);
    fixture.llm.script([{ status: 503, message: "overloaded" }, { text: "back" }]);

    expect(lastEvent(await collect(agent.ask("c1", "one")))).toMatchObject({ code: "llm_failed" });
    expect(lastEvent(await collect(agent.ask("c1", "two")))).toEqual({ type: "answer", chatId: "c1", text: "back" });
  });
});
