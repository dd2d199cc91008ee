// The values `${VAR}` references expanded to in a server's env, headers, args and url are the config's secrets;
// the redactor replaces them in any text and in an error's message and causes (the class and code kept, nothing
// else of the original), including the first part of one left at the end of a line cut for length.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/index.js";
import { REDACTED, Redactor } from "../../src/redaction.js";
import { CUT_MARK } from "../../src/stderr-tail.js";

const env = { TOKEN: "tok-0123456789abcdef", KEY: "key-fedcba9876543210", HOST: "example.org", ONE: "1" };

describe("a config's secrets", () => {
  it("are the values its ${VAR} references in env, headers, args and url expanded to, not defaults or short ones", () => {
    const { servers } = parseConfig(
      {
        mcpServers: {
          local: { command: "node", args: ["--token=${TOKEN}", "--level=${LEVEL:-info}", "--one=${ONE}"], env: { API_KEY: "${KEY}" } },
          remote: { url: "https://${HOST}/mcp", headers: { Authorization: "Bearer ${TOKEN}" } },
        },
      },
      { env },
    );
    expect(servers.map((server) => [server.name, server.secrets])).toEqual([
      ["local", [env.TOKEN, "1", env.KEY]],
      ["remote", [env.HOST, env.TOKEN]],
    ]);
    // "1" is too short to redact: it would garble every number and hide nothing.
    expect(new Redactor(servers[0]?.secrets).text("--one=1 --token=tok-0123456789abcdef")).toBe(`--one=1 --token=${REDACTED}`);
  });
});

describe("the redactor", () => {
  const redactor = new Redactor([env.TOKEN, env.KEY]);

  it("replaces the first part of a secret left at the end of a line cut for length", () => {
    expect(redactor.text(`API_KEY=key-fedcba${CUT_MARK}\nnext`)).toBe(`API_KEY=${REDACTED}${CUT_MARK}\nnext`);
  });

  it("copies an error with its message and causes redacted, keeping its class and code, dropping the rest", () => {
    const spawnError = Object.assign(new TypeError(`spawn failed for --token=${env.TOKEN}`), {
      code: "ENOENT",
      spawnargs: [`--token=${env.TOKEN}`],
    });
    const error = new Error(`cannot start (${env.KEY})`, { cause: spawnError });
    const copy = redactor.error(error);
    expect(copy.message).toBe(`cannot start (${REDACTED})`);
    expect(copy.cause).toBeInstanceOf(TypeError);
    expect(copy.cause).toMatchObject({ code: "ENOENT", message: `spawn failed for --token=${REDACTED}` });
    expect(JSON.stringify({ ...(copy.cause as object) })).not.toContain(env.TOKEN);
    expect(copy.stack).not.toContain(env.KEY);
  });
});

describe("the pool's own error made from an upstream one", () => {
  it("keeps its class and fields, with its message redacted and its cause a redacted copy", async () => {
    const { ToolProtocolError } = await import("../../src/index.js");
    const upstream = new Error(`server said: bad token ${env.TOKEN}`);
    const error = new ToolProtocolError(`"echo" failed: ${upstream.message}`, { server: "s", tool: "echo", cause: upstream });
    const redacted = new Redactor([env.TOKEN]).own(error);
    expect(redacted).toBe(error);
    expect(redacted).toMatchObject({
      code: "tool_protocol_error",
      server: "s",
      tool: "echo",
      message: `"echo" failed: server said: bad token ${REDACTED}`,
    });
    expect((redacted.cause as Error).message).toBe(`server said: bad token ${REDACTED}`);
    expect(redacted.stack).not.toContain(env.TOKEN);
  });
});
