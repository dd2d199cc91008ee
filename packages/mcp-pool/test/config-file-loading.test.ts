import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConfigError } from "../src/errors.js";
import { loadConfigFile } from "../src/config.js";

describe("loadConfigFile", () => {
  let dir: string;
  const file = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mcp-pool-config-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("reads the file, expands from the given env and resolves cwd against the file's directory", async () => {
    const path = await file(
      "ok.json",
      JSON.stringify({ mcpServers: { local: { command: "node", args: ["server.js", "${PORT}"], cwd: "servers" } } }),
    );
    const config = await loadConfigFile(path, { env: { PORT: "4000" } });
    expect(config.servers[0]).toMatchObject({ args: ["server.js", "4000"], cwd: join(dir, "servers") });
  });

  test("a byte order mark at the start is accepted", async () => {
    const path = await file("bom.json", `\uFEFF${JSON.stringify({ mcpServers: { s: { command: "x" } } })}`);
    await expect(loadConfigFile(path)).resolves.toMatchObject({ servers: [{ name: "s" }] });
  });

  test("a file that is not JSON is a ConfigError naming the file", async () => {
    const path = await file("bad.json", '{ "mcpServers": { "s": { "command": "x", } } }');
    const load = loadConfigFile(path);
    await expect(load).rejects.toBeInstanceOf(ConfigError);
    await expect(load).rejects.toThrow(`${path}: not valid JSON`);
  });

  test("a missing file is a ConfigError naming the file", async () => {
    const path = join(dir, "absent.json");
    await expect(loadConfigFile(path)).rejects.toThrow(new RegExp(`^${path}: cannot be read .*ENOENT`));
  });

  test("an invalid entry is reported with the file, the server and the key", async () => {
    const path = await file("invalid.json", JSON.stringify({ mcpServers: { crm: { command: "x", pool: { maxWaiting: -5 } } } }));
    const error: unknown = await loadConfigFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`${path}: mcpServers.crm.pool.maxWaiting: must be an integer >= 0 (got -5)`);
    expect((error as ConfigError).server).toBe("crm");
    expect((error as ConfigError).path).toBe("mcpServers.crm.pool.maxWaiting");
  });
});
