// `${session.id}` in a per-session server's args, env, cwd, url and headers is kept at load and filled in per
// session; it is refused where it cannot be filled (shared servers, command), and it is never an environment
// variable: not looked up, and not taken from a variable's value.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../src/index.js";
import { configForSession, sessionIdForPaths } from "../src/session-placeholder.js";
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { textOf, useManagers } from "./helpers/manager.js";
import { useTempDir } from "./helpers/real-servers.js";

const use = useManagers();

const env = { DATA: "/var/data", TOKEN: "t0k" };

function loadError(entry: Record<string, unknown>, withEnv: Record<string, string> = env): ConfigError {
  try {
    parseConfig({ mcpServers: { notes: entry } }, { env: withEnv });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("the config loaded");
}

describe("${session.id}", () => {
  it("is kept in a per-session server's args, env, cwd, url and headers, beside ${VAR}s expanded at load", () => {
    const [stdio, http] = parseConfig(
      {
        mcpServers: {
          notes: {
            command: "notes-mcp",
            args: ["--db", "${DATA}/notes-${session.id}.db"],
            env: { NOTES_FILE: "${DATA}/${session.id}.jsonl" },
            cwd: "/srv/notes/${session.id}",
            sharing: "per-session",
          },
          crm: {
            url: "https://crm.example.com/mcp/${session.id}",
            headers: { "X-Session": "${session.id}", Authorization: "Bearer ${TOKEN}" },
            sharing: "per-session",
          },
        },
      },
      { env },
    ).servers;
    expect(stdio).toMatchObject({
      args: ["--db", "/var/data/notes-${session.id}.db"],
      env: { NOTES_FILE: "/var/data/${session.id}.jsonl" },
      cwd: "/srv/notes/${session.id}",
    });
    expect(http).toMatchObject({
      url: "https://crm.example.com/mcp/${session.id}",
      headers: { "X-Session": "${session.id}", Authorization: "Bearer t0k" },
    });
  });

  it("is filled in with a form of the session id safe in a file name, an argument and a URL", () => {
    expect(sessionIdForPaths("alice@example.com")).toBe("ff8d9819-alice_example_com");
    expect(sessionIdForPaths("../../etc/passwd")).toMatch(/^[0-9a-f]{8}-______etc_passwd$/);
    expect(sessionIdForPaths("a/b")).not.toBe(sessionIdForPaths("a_b"));
    expect(sessionIdForPaths("-rf")).toMatch(/^[0-9a-f]{8}--rf$/);
    expect(sessionIdForPaths("x".repeat(100))).toHaveLength(8 + 1 + 40);

    const [notes] = parseConfig(
      {
        mcpServers: { notes: { command: "notes-mcp", args: ["${session.id}"], env: { F: "/d/${session.id}.db" }, sharing: "per-session" } },
      },
      { env },
    ).servers;
    const filled = configForSession(notes!, "alice@example.com");
    expect(filled).toMatchObject({ args: ["ff8d9819-alice_example_com"], env: { F: "/d/ff8d9819-alice_example_com.db" } });
  });

  it("is refused for a shared server, naming the server and the key", () => {
    const error = loadError({ command: "notes-mcp", env: { NOTES_FILE: "/data/${session.id}.jsonl" } });
    expect(error.path).toBe("mcpServers.notes.env.NOTES_FILE");
    expect(error.message).toBe(
      'mcpServers.notes.env.NOTES_FILE: "${session.id}" is filled in only for "sharing": "per-session" servers; ' +
        "this one is shared, so every session's calls use the same clients",
    );
    expect(loadError({ url: "https://x.example.com/${session.id}" }).path).toBe("mcpServers.notes.url");
    expect(loadError({ command: "m", args: ["${session.id}"], sharing: "shared" }).path).toBe("mcpServers.notes.args[0]");
  });

  it("is refused in command, where it is not filled in", () => {
    const error = loadError({ command: "/opt/${session.id}/mcp", sharing: "per-session" });
    expect(error.path).toBe("mcpServers.notes.command");
    expect(error.message).toMatch(/is not filled in in "command"/);
  });

  it("is not an environment variable: not looked up, and a variable's value holding it is refused", () => {
    const [notes] = parseConfig(
      { mcpServers: { notes: { command: "m", args: ["${session.id}"], sharing: "per-session" } } },
      { env: { "session.id": "from-env" } },
    ).servers;
    expect(notes).toMatchObject({ args: ["${session.id}"] });

    const error = loadError({ command: "m", args: ["${SNEAKY}"], sharing: "per-session" });
    expect(error.path).toBe("mcpServers.notes.args[0]");
    expect(error.message).toMatch(/environment variable SNEAKY is not set/);
    const sneaky = loadError({ command: "m", args: ["${SNEAKY}"], sharing: "per-session" }, { SNEAKY: "/tmp/${session.id}" });
    expect(sneaky.message).toMatch(/^mcpServers\.notes\.args\[0\]: a variable's value contains "\$\{session\.id\}"/);
  });

  it("in cwd, makes the session's directory before its server starts there", async () => {
    const dir = useTempDir("cwd");
    const manager = use.manager({ lab: labStdioEntry({ cwd: join(dir, "${session.id}"), sharing: "per-session" }) });
    const result = await manager.callTool("lab__echo", { text: "here" }, { sessionId: "alice" });
    expect(textOf(result)).toBe("echo:here");
    expect(existsSync(join(dir, sessionIdForPaths("alice")))).toBe(true);
  });
});
