import { describe, expect, it } from "vitest";
import { ToolNotFoundError, toOpenAITools } from "../src/index.js";
import { useManagers } from "./helpers/manager.js";
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";

const resources = useManagers();

const LLM_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

describe("the catalog across servers", () => {
  it("names every tool within the LLM limit, uniquely, and calls map back to the right tool", async () => {
    const manager = resources.manager({ lab: labStdioEntry(), "lab.two": labStdioEntry() });
    const { tools, unavailable } = await manager.listTools();
    expect(unavailable).toEqual([]);
    const names = tools.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(LLM_NAME);

    const long = tools.filter((t) => t.tool.length > 64);
    expect(long.length).toBeGreaterThanOrEqual(4); // two long tools on each of two servers
    for (const tool of [...long, ...tools.filter((t) => t.tool === "dotted.echo" || (t.server === "lab.two" && t.tool === "echo"))]) {
      const result = await manager.callTool(tool.name, { text: "x" });
      expect(result).toMatchObject({ server: tool.server, tool: tool.tool });
    }
    expect(toOpenAITools(tools).map((t) => t.function.name)).toEqual(names);
  });

  it("lists the tools of the servers that are up and reports the one that is down", async () => {
    const manager = resources.manager({
      lab: labStdioEntry(),
      broken: { command: process.execPath, args: ["-e", "process.exit(3)"] },
    });
    const { tools, unavailable } = await manager.listTools();
    expect(tools.some((t) => t.name === "lab__echo")).toBe(true);
    expect(tools.some((t) => t.server === "broken")).toBe(false);
    expect(unavailable.map((u) => u.server)).toEqual(["broken"]);
    expect(unavailable[0]!.error.message).toMatch(/broken/);
  });

  it("filters are views: an allow/deny filter narrows the listing without new connections", async () => {
    const manager = resources.manager({ lab: labStdioEntry({ tools: { deny: ["crash"] } }) });
    const all = await manager.listTools();
    expect(all.tools.map((t) => t.name)).not.toContain("lab__crash");
    const some = await manager.listTools({ allow: ["lab__echo", "lab__slow_*"], deny: ["lab__slow_write"] });
    expect(some.tools.map((t) => t.name).sort()).toEqual(["lab__echo", "lab__slow_read"]);
    expect(manager.stats().servers[0]!.clientsCreated).toBe(1);
    await expect(manager.callTool("lab__crash", {})).rejects.toBeInstanceOf(ToolNotFoundError);
  });

  it("an unknown tool is a ToolNotFoundError naming it", async () => {
    const manager = resources.manager({ lab: labStdioEntry() });
    const error = await manager.callTool("lab__nope", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolNotFoundError);
    expect((error as ToolNotFoundError).code).toBe("tool_not_found");
    expect((error as Error).message).toContain("lab__nope");
  });
});
