import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PooledMCPServerManager } from "../src/index.js";
import { everythingStdioEntry } from "@mcp-pool/test-support/fixture-servers";

let manager: PooledMCPServerManager;
beforeAll(() => {
  manager = new PooledMCPServerManager({ mcpServers: { everything: everythingStdioEntry() } });
});
afterAll(() => manager.close({ graceMs: 0 }));

describe("resources and prompts", () => {
  it("lists and reads a server's resources through the pool", async () => {
    const resources = await manager.listResources("everything");
    expect(resources.length).toBeGreaterThan(0);
    const first = resources[0]!;
    const read = await manager.readResource("everything", first.uri, { sessionId: "s1" });
    expect(read.contents[0]?.uri).toBe(first.uri);
  });

  it("lists prompts and gets one with its arguments", async () => {
    const prompts = await manager.listPrompts("everything");
    const simple = prompts.find((prompt) => (prompt.arguments ?? []).every((argument) => !argument.required));
    expect(simple).toBeDefined();
    const prompt = await manager.getPrompt("everything", simple!.name);
    expect(prompt.messages.length).toBeGreaterThan(0);
  });

  it("shares the tools' clients: no extra connection for resources and prompts", async () => {
    expect(manager.stats().servers[0]!.clientsCreated).toBe(1);
  });
});
