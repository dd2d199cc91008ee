// A qualified name maps to one server whatever servers are up. With servers `a` and `a__b`, `a__b__c` could be
// tool `b__c` of `a` or tool `c` of `a__b`, and was served by whichever was loaded; with `a` and `a_`, `a___c`
// likewise. Such server names are refused at load, and among the names allowed, every tool keeps its name and
// every name its server in whatever subset of the catalogs is loaded.
import { describe, expect, test } from "vitest";
import { ConfigError, parseConfig } from "../src/index.js";
import { ToolNameIndex, type ToolRef } from "../src/tool-names.js";

const entry = { command: "node", args: ["server.js"] };

function configError(mcpServers: Record<string, unknown>): ConfigError {
  try {
    parseConfig({ mcpServers });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("server names", () => {
  test.each(["a__b", "crm__v2", "a_", "__"])("%j is refused at load, naming the server", (name) => {
    const error = configError({ a: entry, [name]: entry });
    expect(error.server).toBe(name);
    expect(error.message).toContain(`must not contain "__" or end with "_"`);
    expect(error.message).toContain("ambiguous");
  });

  test("single underscores, dashes and other characters are fine", () => {
    const config = parseConfig({ mcpServers: { a: entry, a_b: entry, "a-b": entry, "my.server": entry, _a: entry } });
    expect(config.servers.map((server) => server.name)).toEqual(["a", "a_b", "a-b", "my.server", "_a"]);
  });
});

describe("with the server names allowed", () => {
  // Tool names chosen to collide across servers were the server names free.
  const refs: ToolRef[] = [
    { server: "a", tool: "b__c" },
    { server: "a", tool: "_c" },
    { server: "a", tool: "b_c" },
    { server: "a_b", tool: "c" },
    { server: "a_b", tool: "_c" },
    { server: "a-b", tool: "c" },
    { server: "my.server", tool: "c" },
    { server: "_a", tool: "b__c" },
  ];
  const servers = [...new Set(refs.map((ref) => ref.server))];
  const everything = new ToolNameIndex(refs);

  test("every name, in every subset of servers loaded, is the tool's name with all of them loaded, and maps back", () => {
    for (let mask = 1; mask < 1 << servers.length; mask += 1) {
      const up = servers.filter((_, i) => mask & (1 << i));
      const loaded = refs.filter((ref) => up.includes(ref.server));
      const index = new ToolNameIndex(loaded);
      for (const ref of loaded) {
        const name = index.nameOf(ref.server, ref.tool);
        expect(name).toBe(everything.nameOf(ref.server, ref.tool));
        expect(index.resolve(name ?? "")).toEqual(ref);
      }
    }
  });
});
