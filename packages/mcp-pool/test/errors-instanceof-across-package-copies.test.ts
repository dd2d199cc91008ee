// Two copies of mcp-pool in one process (a consumer's dependency and a dependency's dependency): an error
// thrown by one copy is `instanceof` the other copy's classes, by its Symbol.for brand and its code, and of
// no other class. The second copy is the built package copied to a directory of its own.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as here from "../src/index.js";
import { rejectionOf } from "./helpers/manager.js";

type Package = typeof here;
const packageDir = fileURLToPath(new URL("..", import.meta.url));
let copyDir: string;
let other: Package;

beforeAll(async () => {
  // Under the package's node_modules so that the copy resolves the SDK as an installed package would.
  copyDir = mkdtempSync(join(packageDir, "node_modules", ".second-copy-"));
  cpSync(join(packageDir, "dist"), copyDir, { recursive: true });
  writeFileSync(join(copyDir, "package.json"), JSON.stringify({ type: "module" }));
  other = (await import(pathToFileURL(join(copyDir, "index.js")).href)) as Package;
});
afterAll(() => rmSync(copyDir, { recursive: true, force: true }));

describe("errors from another copy of the package", () => {
  it("are instances of this copy's classes, and only of the right ones", () => {
    expect(other.PoolBusyError).not.toBe(here.PoolBusyError);
    const busy = new other.PoolBusyError("busy", { server: "crm" });
    expect(busy).toBeInstanceOf(here.PoolBusyError);
    expect(busy).toBeInstanceOf(here.McpPoolError);
    expect(busy).toBeInstanceOf(Error);
    expect(busy).not.toBeInstanceOf(here.PoolTimeoutError);
    expect(new here.ToolProtocolError("bad", { tool: "t" })).toBeInstanceOf(other.ToolProtocolError);
    expect(new here.ToolProtocolError("bad", { tool: "t" })).not.toBeInstanceOf(other.ToolCallError);
  });

  it("holds for an error a manager of the other copy throws", async () => {
    const manager = new other.PooledMCPServerManager({ mcpServers: {} });
    const error = await rejectionOf(manager.withClient("nope", (client) => client.ping()));
    await manager.close();
    expect(error).toBeInstanceOf(here.UnknownServerError);
    expect(error).toBeInstanceOf(here.McpPoolError);
    expect(error).toMatchObject({ code: "server_not_found", server: "nope" });
  });

  it("is false for look-alikes without the brand", () => {
    const lookalike = Object.assign(new Error("busy"), { code: "pool_busy" });
    expect(lookalike).not.toBeInstanceOf(here.PoolBusyError);
    expect(lookalike).not.toBeInstanceOf(here.McpPoolError);
    expect(null).not.toBeInstanceOf(here.McpPoolError);
  });
});
