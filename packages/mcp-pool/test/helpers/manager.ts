/**
 * Managers and HTTP fixtures a test makes, ended for certain after it.
 *   useManagers()              registers an afterEach that closes every manager and stops every fixture made
 *                              through the returned { manager, fixture } (call it once at the top of a file)
 *   manager(mcpServers)        a PooledMCPServerManager over `{ mcpServers }`, closed after the test
 *   managerOf(config, options) one over a loaded ManagerConfig (e.g. loadConfigFile's), closed after the test
 *   fixture(started)           an HttpFixture (startLabHttp()/startEverythingHttp()), stopped after the test
 *   textOf(result)             the text of a tool result's first content item
 *   serverStats(manager)       stats of the manager's first (usually only) server
 *   rejectionOf(promise)       what the promise rejects with; a resolved value fails the test
 */
import { afterEach } from "vitest";
import {
  PooledMCPServerManager,
  type ManagerConfig,
  type ManagerOptions,
  type McpServersJson,
  type ServerStats,
  type ToolCallResult,
} from "../../src/index.js";
import type { HttpFixture } from "@mcp-pool/test-support/fixture-servers";

type ServerEntries = McpServersJson["mcpServers"];

export interface TestResources {
  manager(mcpServers: ServerEntries): PooledMCPServerManager;
  managerOf(config: ManagerConfig, options?: ManagerOptions): PooledMCPServerManager;
  fixture(started: Promise<HttpFixture>): Promise<HttpFixture>;
}

export function useManagers(): TestResources {
  const managers: PooledMCPServerManager[] = [];
  const fixtures: HttpFixture[] = [];
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((made) => made.close({ graceMs: 0 })));
    await Promise.all(fixtures.splice(0).map((made) => made.stop()));
  });
  return {
    manager(mcpServers) {
      const made = new PooledMCPServerManager({ mcpServers });
      managers.push(made);
      return made;
    },
    managerOf(config, options) {
      const made = new PooledMCPServerManager(config, options);
      managers.push(made);
      return made;
    },
    async fixture(started) {
      const made = await started;
      fixtures.push(made);
      return made;
    },
  };
}

export function textOf(result: ToolCallResult): string {
  const [first] = result.content;
  return typeof first?.text === "string" ? first.text : "";
}

export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

export function serverStats(manager: PooledMCPServerManager): ServerStats {
  const [first] = manager.stats().servers;
  if (!first) throw new Error("the manager has no server");
  return first;
}
