import { resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { ConfigError } from "../src/errors.js";
import { expandEnv, parseConfig } from "../src/index.js";

describe("${VAR} expansion", () => {
  const env = { TOKEN: "t0k", HOME_DIR: "/home/ann", EMPTY: "" };

  test("expands in command, args, env values, cwd, url and header values", () => {
    const config = parseConfig(
      {
        mcpServers: {
          local: {
            command: "${HOME_DIR}/bin/mcp",
            args: ["--token", "${TOKEN}"],
            env: { API_TOKEN: "${TOKEN}" },
            cwd: "${HOME_DIR}/work",
          },
          remote: { url: "https://api.example.com/${TOKEN}/mcp", headers: { Authorization: "Bearer ${TOKEN}" } },
        },
      },
      { env },
    );
    expect(config.servers[0]).toMatchObject({
      command: "/home/ann/bin/mcp",
      args: ["--token", "t0k"],
      env: { API_TOKEN: "t0k" },
      cwd: "/home/ann/work",
    });
    expect(config.servers[1]).toMatchObject({
      url: "https://api.example.com/t0k/mcp",
      headers: { Authorization: "Bearer t0k" },
    });
  });

  test("${VAR:-default} uses the default when the variable is unset or empty, as the shell does", () => {
    expect(expandEnv("${MISSING:-8080}", env)).toBe("8080");
    expect(expandEnv("${EMPTY:-x}", env)).toBe("x");
    expect(expandEnv("${TOKEN:-x}", env)).toBe("t0k");
    expect(expandEnv("${MISSING:-}", env)).toBe("");
  });

  test("a set but empty variable expands to the empty string", () => {
    expect(expandEnv("a${EMPTY}b", env)).toBe("ab");
  });

  test("$VAR without braces and names, not values, are left alone", () => {
    expect(expandEnv("cost: $TOKEN", env)).toBe("cost: $TOKEN");
    const [server] = parseConfig({ mcpServers: { s: { command: "x", env: { "${TOKEN}": "v" } } } }, { env }).servers;
    expect(server).toMatchObject({ env: { "${TOKEN}": "v" } });
  });

  test("an expanded value is not expanded again", () => {
    expect(expandEnv("${A}", { A: "${B}", B: "no" })).toBe("${B}");
  });

  test("an unset variable without default fails naming the server and the key", () => {
    const load = () =>
      parseConfig({ mcpServers: { crm: { url: "https://crm.example.com", headers: { "X-Key": "${CRM_KEY}" } } } }, { env });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^mcpServers\.crm\.headers\.X-Key: environment variable CRM_KEY is not set/);
  });

  test("a malformed reference is an error, not left in place", () => {
    expect(() => expandEnv("${1ABC}", env)).toThrow(/malformed variable reference "\$\{1ABC\}"/);
    expect(() => parseConfig({ mcpServers: { s: { command: "x", args: ["${}"] } } }, { env })).toThrow(
      /mcpServers\.s\.args\[0\]: malformed/,
    );
  });

  test("the environment defaults to process.env", () => {
    process.env["MCP_POOL_TEST_VAR"] = "from-process";
    try {
      expect(expandEnv("${MCP_POOL_TEST_VAR}")).toBe("from-process");
    } finally {
      delete process.env["MCP_POOL_TEST_VAR"];
    }
  });

  test.each(["constructor", "toString", "hasOwnProperty", "__proto__", "valueOf"])(
    "${%s} is an unset variable like any other, in a plain object and in process.env, not a built-in",
    (name) => {
      for (const source of [{}, process.env, undefined]) {
        expect(() => expandEnv(`\${${name}}`, source)).toThrow(`environment variable ${name} is not set`);
      }
      expect(expandEnv(`\${${name}:-fallback}`, {})).toBe("fallback");
    },
  );

  test("a relative cwd resolves against baseDir, an absolute one stays", () => {
    const config = parseConfig(
      { mcpServers: { rel: { command: "x", cwd: "servers/crm" }, abs: { command: "x", cwd: "/srv/crm" } } },
      { baseDir: "/etc/mcp" },
    );
    expect(config.servers.map((s) => s.type === "stdio" && s.cwd)).toEqual(["/etc/mcp/servers/crm", "/srv/crm"]);
  });

  test("without baseDir a relative cwd resolves against the process's directory", () => {
    const [server] = parseConfig({ mcpServers: { s: { command: "x", cwd: "sub" } } }).servers;
    expect(server).toMatchObject({ cwd: resolve("sub") });
  });
});
