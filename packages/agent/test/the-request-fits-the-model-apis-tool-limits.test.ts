import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PooledMCPServerManager } from "mcp-pool";
import { createAgent, type AgentLogger, type LlmSettings, type ToolProvider } from "../src/index.js";
import { collect, lastEvent } from "./support/collect.js";
import { everythingServer } from "./support/everything.js";
import { startFakeLlm, type FakeLlm, type RecordedRequest } from "@mcp-pool/test-support/fake-llm";

const require = createRequire(import.meta.url);
const sequentialThinkingDir = dirname(require.resolve("@modelcontextprotocol/server-sequential-thinking/package.json"));

/** What OpenAI's Chat Completions accepts in `tools` (its 400 errors otherwise). */
function expectAcceptedByTheApi(request: RecordedRequest): void {
  const tools = request.tools ?? [];
  expect(tools.length).toBeLessThanOrEqual(128);
  for (const { type, function: fn } of tools) {
    expect(type).toBe("function");
    expect(fn.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(fn.description?.length ?? 0).toBeLessThanOrEqual(1024);
    expect(fn.parameters).toMatchObject({ type: "object", properties: expect.any(Object) });
    for (const refused of ["oneOf", "anyOf", "allOf", "enum", "not", "$ref"]) expect(fn.parameters).not.toHaveProperty(refused);
  }
}

function recordingLogger() {
  const warnings: { message: string; details: Record<string, unknown> | undefined }[] = [];
  const logger: AgentLogger = { warn: (details, message) => warnings.push({ message, details }), debug: () => {} };
  return { logger, warnings };
}

let manager: PooledMCPServerManager;
let llm: FakeLlm;
let settings: LlmSettings;
let fullDescription: string;

beforeAll(async () => {
  manager = new PooledMCPServerManager({
    mcpServers: {
      thinking: { command: process.execPath, args: [join(sequentialThinkingDir, "dist/index.js")] },
      everything: everythingServer,
    },
  });
  llm = await startFakeLlm();
  settings = { apiKey: "test", baseURL: llm.baseURL, model: "fake-model", maxRetries: 0 };
  const { tools } = await manager.listTools();
  fullDescription = tools.find((tool) => tool.name === "thinking__sequentialthinking")!.description;
});

afterAll(async () => {
  await manager?.close();
  await llm?.close();
});

describe("the tools a turn sends to the model", () => {
  it("fit the API with server-sequential-thinking's 2,700-character description: cut at a word, marked, logged once", async () => {
    expect(fullDescription.length).toBeGreaterThan(1024);
    const { logger, warnings } = recordingLogger();
    const agent = createAgent({ sessionId: "s1", owner: "alice", tools: manager, llm: settings, logger });
    llm.script(() => ({ text: "ok" }));

    expect(lastEvent(await collect(agent.ask("c1", "one")))).toMatchObject({ type: "answer" });
    expect(lastEvent(await collect(agent.ask("c1", "two")))).toMatchObject({ type: "answer" });

    const [first, second] = llm.requests.slice(-2);
    expectAcceptedByTheApi(first!);
    const thinking = first!.tools!.find((tool) => tool.function.name === "thinking__sequentialthinking")!;
    const description = thinking.function.description!;
    expect(description).toMatch(/ …\[description cut\]$/);
    const kept = description.replace(/ …\[description cut\]$/, "");
    expect(fullDescription.startsWith(kept)).toBe(true);
    expect(fullDescription[kept.length]).toMatch(/\s/);
    expect(first!.tools!.some((tool) => tool.function.name === "everything__echo")).toBe(true);
    expect(second!.tools).toEqual(first!.tools);
    // Once per catalog version, not per turn.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.details).toMatchObject({ descriptions_cut: ["thinking/sequentialthinking"], dropped: [] });
  });

  it("are at most maxTools, in catalog order; the others are logged by server and tool, and never called", async () => {
    const { logger, warnings } = recordingLogger();
    const limited = { ...settings, toolLimits: { maxTools: 2 } };
    const agent = createAgent({ sessionId: "s2", owner: "bob", tools: manager, llm: limited, logger });
    const { tools: catalog } = await manager.listTools();
    const hidden = catalog[2]!;
    llm.script([{ toolCalls: [{ id: "call_hidden", name: hidden.name, arguments: "{}" }] }, { text: "ok" }]);

    const events = await collect(agent.ask("c1", "call a hidden tool"));

    const request = llm.requests.at(-2)!;
    expectAcceptedByTheApi(request);
    expect(request.tools!.map((tool) => tool.function.name)).toEqual(catalog.slice(0, 2).map((tool) => tool.name));
    expect(events.find((e) => e.type === "toolResult")).toMatchObject({
      ok: false,
      content: `Unknown tool "${hidden.name}". The tool was not called.`,
    });
    expect(warnings).toHaveLength(1);
    const dropped = warnings[0]!.details!["dropped"] as string[];
    expect(dropped).toHaveLength(catalog.length - 2);
    expect(dropped).toContain(`${hidden.server}/${hidden.tool} (too_many_tools)`);
  });

  it("are fitted and logged once per catalog version for all agents, each with a ToolProvider of its own", async () => {
    // As the chat server gives each user a provider of their own; limits no other test uses, so the
    // warning is this test's own.
    const limited = { ...settings, toolLimits: { maxTools: 3 } };
    const ownProvider = (fairnessKey: string): ToolProvider => ({
      listTools: (filter) => manager.listTools(filter),
      callTool: (name, args, options) => manager.callTool(name, args, { ...options, fairnessKey }),
    });
    const users = ["dave", "erin", "frank"].map((owner) => {
      const { logger, warnings } = recordingLogger();
      return { warnings, agent: createAgent({ sessionId: `s-${owner}`, owner, tools: ownProvider(owner), llm: limited, logger }) };
    });
    llm.script(() => ({ text: "ok" }));

    for (const { agent } of users) expect(lastEvent(await collect(agent.ask("c1", "hello")))).toMatchObject({ type: "answer" });

    const requests = llm.requests.slice(-3);
    expect(requests.map((request) => request.tools!.length)).toEqual([3, 3, 3]);
    expect(requests[1]!.tools).toEqual(requests[0]!.tools);
    expect(requests[2]!.tools).toEqual(requests[0]!.tools);
    // The first user's turn fitted the catalog and logged what it dropped; the others reused that fit.
    expect(users.map(({ warnings }) => warnings.length)).toEqual([1, 0, 0]);
  });

  it("refuses limits no request could meet when the agent is created", () => {
    const bad = { ...settings, toolLimits: { maxTools: 0 } };
    expect(() => createAgent({ sessionId: "s3", owner: "carol", tools: manager, llm: bad })).toThrow(
      /maxTools must be a positive integer, got 0/,
    );
  });
});
