// The configs of docs/real-servers/ (quoted in docs/configuration.md, "Real servers") run as written against the
// servers from npm: server-filesystem shared, server-sequential-thinking per session (it keeps its thought
// history per process), and server-filesystem behind mcp-proxy over Streamable HTTP and over SSE. (server-memory:
// per-session-server-memory-isolated-by-session-id and server-memory-keeps-concurrent-writes-one-call-at-a-time;
// @playwright/mcp: playwright-per-session-browsers.)
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { textOf, useManagers } from "./helpers/manager.js";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";
import { docConfig, docConfigPath, startMcpProxy, useRealServerBins, useTempDir } from "./helpers/real-servers.js";

const use = useManagers();
useRealServerBins();

describe("docs/configuration.md", () => {
  it("quotes each config of docs/real-servers/ as it is, so that what it shows is what these tests run", () => {
    const doc = readFileSync(fileURLToPath(new URL("../../../docs/configuration.md", import.meta.url)), "utf8");
    const names = readdirSync(docConfigPath("")).filter((file) => file.endsWith(".json"));
    expect(names.length).toBeGreaterThanOrEqual(6);
    for (const name of names) {
      const config = readFileSync(docConfigPath(name), "utf8").trimEnd();
      expect(doc, name).toContain(`\`\`\`json\n${config}\n\`\`\``);
    }
  });
});

describe("server-filesystem (filesystem.json)", () => {
  it("reads and writes inside FILES_DIR for every session through at most 2 shared processes", async () => {
    const dir = useTempDir("files");
    writeFileSync(join(dir, "readme.txt"), "hello from disk");
    const manager = use.managerOf(await docConfig("filesystem", { FILES_DIR: dir }));

    const reads = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        manager.callTool("files__read_text_file", { path: join(dir, "readme.txt") }, { sessionId: `user-${i % 8}` }),
      ),
    );
    expect(new Set(reads.map(textOf))).toEqual(new Set(["hello from disk"]));
    await manager.callTool("files__write_file", { path: join(dir, "note.txt"), content: "written by a tool" });
    expect(readFileSync(join(dir, "note.txt"), "utf8")).toBe("written by a tool");
    expect(descendantPids().length).toBeLessThanOrEqual(2);
  });
});

describe("server-sequential-thinking per session (sequential-thinking.json)", () => {
  it("keeps each session's thought history apart", async () => {
    const manager = use.managerOf(await docConfig("sequential-thinking"));
    const think = async (sessionId: string, thoughtNumber: number) => {
      const thought = { thought: `step ${thoughtNumber}`, thoughtNumber, totalThoughts: 3, nextThoughtNeeded: thoughtNumber < 3 };
      const result = await manager.callTool("thinking__sequentialthinking", thought, { sessionId });
      return (result.structuredContent as { thoughtHistoryLength: number }).thoughtHistoryLength;
    };
    expect(await think("alice", 1)).toBe(1);
    expect(await think("alice", 2)).toBe(2);
    expect(await think("bob", 1)).toBe(1);
    expect(await think("alice", 3)).toBe(3);
  });
});

describe("server-filesystem behind mcp-proxy (mcp-proxy.json)", () => {
  it("serves the same tools over Streamable HTTP (/mcp) and SSE (/sse)", async () => {
    const dir = useTempDir("files");
    writeFileSync(join(dir, "readme.txt"), "served through the proxy");
    const proxy = await use.fixture(startMcpProxy("mcp-server-filesystem", [dir]));
    const manager = use.managerOf(await docConfig("mcp-proxy", { PROXY_PORT: String(proxy.port) }));

    const path = join(dir, "readme.txt");
    const [overHttp, overSse] = await Promise.all([
      manager.callTool("files-http__read_text_file", { path }),
      manager.callTool("files-sse__read_text_file", { path }),
    ]);
    expect(textOf(overHttp)).toBe("served through the proxy");
    expect(textOf(overSse)).toBe("served through the proxy");
    const { tools } = await manager.listTools();
    expect(tools.filter((tool) => tool.server === "files-http").length).toBe(tools.filter((tool) => tool.server === "files-sse").length);

    await proxy.stop();
    await waitFor(() => descendantPids().length === 0, { what: "mcp-proxy and its server to be gone" });
  });
});
