import { PassThrough } from "node:stream";
import { PooledMCPServerManager } from "mcp-pool";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent } from "../src/index.js";
import { startFakeLlm, type FakeLlm } from "@mcp-pool/test-support/fake-llm";
import { collect, lastEvent } from "./support/collect.js";
import { everythingServer, missingServer } from "./support/everything.js";

describe("the agent's logger", () => {
  let manager: PooledMCPServerManager;
  let llm: FakeLlm;
  beforeAll(async () => {
    manager = new PooledMCPServerManager({ mcpServers: { everything: everythingServer, broken: missingServer } });
    llm = await startFakeLlm();
  });
  afterAll(async () => {
    await manager?.close();
    await llm?.close();
  });

  it("takes a pino logger as is: the details of a line reach the log beside its message", async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new PassThrough();
    stream.on("data", (chunk: Buffer) => {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
    });
    const logger = pino({ level: "debug" }, stream).child({ session_id: "s1" });
    const agent = createAgent({
      sessionId: "s1",
      owner: "ann",
      tools: manager,
      llm: { apiKey: "test", baseURL: llm.baseURL, model: "fake-model", maxRetries: 0 },
      logger,
    });
    llm.script([{ text: "Hello." }]);

    expect(lastEvent(await collect(agent.ask("c1", "Hi")))).toMatchObject({ type: "answer", text: "Hello." });
    await new Promise((resolve) => setImmediate(resolve));

    const line = lines.find((l) => l.msg === "MCP servers unavailable for this turn");
    expect(line).toMatchObject({ level: 20, session_id: "s1", chat_id: "c1", servers: [expect.stringMatching(/^broken: /)] });
  });
});
