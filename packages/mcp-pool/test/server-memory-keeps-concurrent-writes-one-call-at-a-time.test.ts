// server-memory read-modify-writes its whole file on every call, so calls in flight together overwrite each
// other's writes. With the pool's defaults (256 calls in flight per stdio client, up to 4 clients on one file; per
// session, 4 calls of a session at once) 50 concurrent writes lose some of them, often most; with the
// settings docs/configuration.md gives for such a server (one call per client, and one client when the file is
// shared) every one is kept.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig, type ManagerConfig, type PooledMCPServerManager } from "../src/index.js";
import { useManagers } from "./helpers/manager.js";
import { docConfig, useRealServerBins, useTempDir } from "./helpers/real-servers.js";

const use = useManagers();
useRealServerBins();

const WRITES = 50;

/** 50 create_entities calls at once (one entity each, from `sessionOf(i)`); then the entities the file kept. */
async function concurrentWrites(config: ManagerConfig, sessionOf: (i: number) => string | undefined): Promise<number> {
  const manager: PooledMCPServerManager = use.managerOf(config);
  await Promise.all(
    Array.from({ length: WRITES }, (_, i) =>
      manager.callTool(
        "memory__create_entities",
        { entities: [{ name: `entity-${i}`, entityType: "note", observations: [] }] },
        { sessionId: sessionOf(i) },
      ),
    ),
  );
  const graph = await manager.callTool("memory__read_graph", {}, { sessionId: sessionOf(0) });
  return (graph.structuredContent as { entities: unknown[] }).entities.length;
}

describe("server-memory under 50 concurrent writes", () => {
  it("loses writes with the pool's defaults: calls in flight together read the same file, and the last write wins", async () => {
    const entry = (dir: string, sharing: "shared" | "per-session") => ({
      memory: { command: "mcp-server-memory", env: { MEMORY_FILE_PATH: join(dir, "memory.jsonl") }, sharing },
    });
    // Shared: up to 256 calls in flight per client (over stdio), on up to 4 clients. Per session: one session has up to
    // maxCallsPerSession (4) calls in flight on its client. A race: on a busy machine one run can lose few
    // writes or none (seen in full suites: 28 of 50 kept shared, all 50 per session), so the claim is that
    // some run of three loses writes.
    for (const [sharing, sessionOf] of [
      ["shared", () => undefined],
      ["per-session", () => "alice"],
    ] as const) {
      const kept: number[] = [];
      for (let run = 0; run < 3 && !kept.some((count) => count < WRITES); run += 1) {
        const config = parseConfig({ mcpServers: entry(useTempDir("memory"), sharing) });
        kept.push(await concurrentWrites(config, sessionOf));
      }
      expect(Math.min(...kept), sharing).toBeLessThan(WRITES);
    }
  });

  it("keeps all 50 with one file for everyone and maxConnections 1, maxCallsPerConnection 1 (memory-one-file.json)", async () => {
    const config = await docConfig("memory-one-file", { MEMORY_DIR: useTempDir("memory") });
    expect(await concurrentWrites(config, (i) => `user-${i % 10}`)).toBe(WRITES);
  });

  it("keeps all 50 of one session per session with maxCallsPerConnection 1 (memory.json)", async () => {
    const config = await docConfig("memory", { MEMORY_DIR: useTempDir("memory") });
    expect(await concurrentWrites(config, () => "alice")).toBe(WRITES);
  });
});
