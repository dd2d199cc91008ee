// server-memory keeps its whole knowledge graph in one file (MEMORY_FILE_PATH). Run per session with
// `${session.id}` in that path (docs/real-servers/memory.json, as docs/configuration.md shows it), each
// session's process writes a file of its own: user B never reads user A's entities, and each file holds only
// its session's.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PooledMCPServerManager } from "../src/index.js";
import { sessionIdForPaths } from "../src/session-placeholder.js";
import { useManagers } from "./helpers/manager.js";
import { docConfig, useRealServerBins, useTempDir } from "./helpers/real-servers.js";

const use = useManagers();
useRealServerBins();

interface Graph {
  entities: { name: string; observations: string[] }[];
}

async function remember(manager: PooledMCPServerManager, sessionId: string, name: string): Promise<void> {
  const entity = { name, entityType: "note", observations: [`said by ${sessionId}`] };
  await manager.callTool("memory__create_entities", { entities: [entity] }, { sessionId });
}

async function graphOf(manager: PooledMCPServerManager, sessionId: string): Promise<string[]> {
  const result = await manager.callTool("memory__read_graph", {}, { sessionId });
  return (result.structuredContent as unknown as Graph).entities.map((entity) => entity.name);
}

describe("server-memory per session, MEMORY_FILE_PATH with ${session.id}", () => {
  it("gives each session its own file: B never sees A's entities, and both files hold their own", async () => {
    const dir = useTempDir("memory");
    const manager = use.managerOf(await docConfig("memory", { MEMORY_DIR: dir }));

    await remember(manager, "alice@example.com", "alice-secret-plan");
    await remember(manager, "bob", "bob-shopping-list");
    expect(await graphOf(manager, "bob")).toEqual(["bob-shopping-list"]);
    expect(await graphOf(manager, "alice@example.com")).toEqual(["alice-secret-plan"]);

    const aliceFile = `memory-${sessionIdForPaths("alice@example.com")}.jsonl`;
    const bobFile = `memory-${sessionIdForPaths("bob")}.jsonl`;
    expect(aliceFile).toBe("memory-ff8d9819-alice_example_com.jsonl");
    expect(readdirSync(dir).sort()).toEqual([aliceFile, bobFile].sort());
    const alice = readFileSync(join(dir, aliceFile), "utf8");
    const bob = readFileSync(join(dir, bobFile), "utf8");
    expect(alice).toContain("alice-secret-plan");
    expect(alice).not.toContain("bob-shopping-list");
    expect(bob).toContain("bob-shopping-list");
    expect(bob).not.toContain("alice-secret-plan");
  });

  it("finds a session's entities again after its client was closed (released) and a new one started", async () => {
    const dir = useTempDir("memory");
    const manager = use.managerOf(await docConfig("memory", { MEMORY_DIR: dir }));
    await remember(manager, "carol", "carol-notes");
    await manager.releaseSession("carol");
    await remember(manager, "dave", "dave-notes");
    expect(await graphOf(manager, "carol")).toEqual(["carol-notes"]);
  });
});
