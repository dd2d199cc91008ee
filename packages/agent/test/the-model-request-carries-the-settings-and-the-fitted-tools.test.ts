// What the model endpoint receives for a turn: the settings' model and temperature, a streamed request
// marked as JSON, the system prompt and the question, and the tools as fitted for the model (the
// same on every request of a catalog version), or no `tools` at all when there are none.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PooledMCPServerManager, ToolListing } from "mcp-pool";
import { createAgent, type LlmSettings, type ToolProvider } from "../src/index.js";
import { collect, lastEvent } from "./support/collect.js";
import { everythingManager } from "./support/everything.js";
import { startFakeLlm, type FakeLlm } from "@mcp-pool/test-support/fake-llm";

let manager: PooledMCPServerManager;
let llm: FakeLlm;
let settings: LlmSettings;

beforeAll(async () => {
  manager = everythingManager();
  llm = await startFakeLlm();
  settings = { apiKey: "test", baseURL: llm.baseURL, model: "fake-model", temperature: 0.25, maxRetries: 0 };
});

afterAll(async () => {
  await manager?.close();
  await llm?.close();
});

describe("a turn's request to the model", () => {
  it("carries the model, the temperature, the prompt and every tool as fitted, the same on each request", async () => {
    const agent = createAgent({ sessionId: "s1", owner: "alice", tools: manager, llm: settings, systemPrompt: "Be brief." });
    llm.script(() => ({ text: "ok" }));

    expect(lastEvent(await collect(agent.ask("c1", "first")))).toMatchObject({ type: "answer", text: "ok" });
    expect(lastEvent(await collect(agent.ask("c2", "second")))).toMatchObject({ type: "answer", text: "ok" });

    const [first, second] = llm.requests.slice(-2);
    expect(first).toMatchObject({
      model: "fake-model",
      stream: true,
      temperature: 0.25,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "first" },
      ],
    });
    const { tools } = await manager.listTools();
    expect(first!.tools!.map((tool) => tool.function.name)).toEqual(tools.map((tool) => tool.name));
    expect(first!.tools!.find((tool) => tool.function.name === "everything__echo")).toMatchObject({
      type: "function",
      function: { parameters: { type: "object", properties: { message: { type: "string" } } } },
    });
    expect(second!.tools).toEqual(first!.tools);
  });

  it("has no tools at all when the catalog is empty", async () => {
    const none: ToolProvider = {
      listTools: async (): Promise<ToolListing> => ({ tools: [], unavailable: [] }),
      callTool: () => Promise.reject(new Error("no tools")),
    };
    const agent = createAgent({ sessionId: "s2", owner: "bob", tools: none, llm: { ...settings, temperature: undefined } });
    llm.script(() => ({ text: "plain" }));

    expect(lastEvent(await collect(agent.ask("c1", "hello")))).toMatchObject({ type: "answer", text: "plain" });

    const request = llm.requests.at(-1)!;
    expect(request).not.toHaveProperty("tools");
    expect(request).not.toHaveProperty("temperature");
    expect(request).toMatchObject({ model: "fake-model", stream: true });
  });
});
