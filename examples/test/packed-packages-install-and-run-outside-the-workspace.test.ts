/**
 * The packages as another team gets them: `pnpm pack` the three, `pnpm add` the tarballs to a
 * project outside the workspace (the example service, examples/tool-gateway, plus a consumer
 * file), compile it with skipLibCheck: false, and run what was installed. pnpm reuses its
 * store, so nothing is downloaded when the workspace is installed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { untilListening, type LogLine } from "@mcp-pool/test-support/json-log";
import { descendantPids, isAlive, killAndWait, waitFor } from "@mcp-pool/test-support/processes";
import { afterAll, beforeAll, describe, it } from "vitest";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NPX = join(dirname(process.execPath), "npx");

/** The environment without the settings of the pnpm that may be running this test (`pnpm test`). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|PNPM_|MCP_CONFIG$)/i.test(key)));
  return { ...env, ...extra };
}

/**
 * Runs a command in a process group of its own (npx → sh → pnpm → tsc: ending the group ends them
 * all, which afterAll does if the test gave up on one); resolves with its stdout, rejects with its output.
 */
function run(command: string, args: string[], cwd: string): Promise<string> {
  const child = spawn(command, args, { cwd, env: cleanEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] });
  started.push(child);
  let output = "";
  let stdout = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += String(chunk);
    output += String(chunk);
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    output += String(chunk);
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${[command, ...args].join(" ")} exited with ${code} in ${cwd}:\n${output}`)),
    );
  });
}

const pnpm = (cwd: string, ...args: string[]) => run(NPX, ["-y", "pnpm@12.4.2", ...args], cwd);

interface Running {
  child: ChildProcess;
  url: string;
  logs: LogLine[];
  exited: Promise<number | null>;
}

/** Starts `command` and resolves once it logs a JSON line with msg "listening" and its url. */
async function startListening(command: string, args: string[], cwd: string): Promise<Running> {
  const child = spawn(command, args, { cwd, env: cleanEnv({ PORT: "0", LOG_LEVEL: "info" }), stdio: ["ignore", "pipe", "ignore"] });
  started.push(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const { url, logs } = await untilListening(child);
  return { child, url, logs, exited };
}

const started: ChildProcess[] = [];
let work: string;
let project: string;

// The checks after the install are independent processes: they run at once.
describe.concurrent("the packed packages, installed outside the workspace", () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "mcp-pool-packed-"));
    const tarballs = join(work, "tarballs");
    await pnpm(REPO_ROOT, "-r", "--filter", "./packages/{mcp-pool,agent,server}", "pack", "--pack-destination", tarballs);
    const tarball = (prefix: string) => join(tarballs, readdirSync(tarballs).find((f) => f.startsWith(prefix))!);

    project = join(work, "tool-gateway");
    cpSync(join(REPO_ROOT, "examples/tool-gateway"), project, { recursive: true, filter: (src) => !/node_modules|dist/.test(src) });
    cpSync(join(REPO_ROOT, "examples/test/fixtures/uses-every-package.ts"), join(project, "src/uses-every-package.ts"));
    // The tarballs name each other by version ("mcp-pool": "0.1.0"): point those at the tarballs, not the registry.
    writeFileSync(
      join(project, "pnpm-workspace.yaml"),
      `overrides:\n  mcp-pool: "file:${tarball("mcp-pool-0")}"\n  "@mcp-pool/agent": "file:${tarball("mcp-pool-agent-")}"\n`,
    );
    await pnpm(project, "add", "--prefer-offline", tarball("mcp-pool-0"), tarball("mcp-pool-agent-"), tarball("mcp-pool-server-"));
    await pnpm(project, "run", "build");
  }, 600_000);

  afterAll(async () => {
    for (const child of started) {
      for (const pid of [child.pid!, ...descendantPids(child.pid!)]) if (isAlive(pid)) await killAndWait(pid, "SIGKILL", 2000);
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("installs one copy of the MCP SDK (a peer dependency of mcp-pool and the agent)", ({ expect }) => {
    const copies = readdirSync(join(project, "node_modules/.pnpm")).filter((entry) => entry.startsWith("@modelcontextprotocol+sdk@"));
    expect(copies).toHaveLength(1);
  });

  it("type-checks a consumer against the published types, and its calls reach server-everything", async ({ expect }) => {
    const stdout = await run(process.execPath, ["dist/uses-every-package.js"], project);
    expect(JSON.parse(stdout)).toEqual({
      echoed: [{ type: "text", text: "Echo: from a consumer" }],
      toolsSeenByClient: expect.any(Number),
      notFound: { code: "tool_not_found", isToolNotFound: true, isPoolError: true },
      agentAnswer: expect.stringContaining("Echo: through the agent"),
      createChatServer: "function",
    });
  });

  it("runs the example service: its HTTP API calls tools through the shared manager, and SIGTERM shuts it down gracefully", async ({
    expect,
  }) => {
    const service = await startListening(process.execPath, ["dist/main.js"], project);
    const call = (name: string, body: string, session = "team-user-1") =>
      fetch(`${service.url}/tools/${name}`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "x-session-id": session },
      });

    const catalog = (await (await fetch(`${service.url}/tools`)).json()) as { tools: { name: string }[]; unavailable: unknown[] };
    expect(catalog.tools.map((t) => t.name)).toContain("everything__echo");
    expect(catalog.unavailable).toEqual([]);
    const echo = await call("everything__echo", JSON.stringify({ message: "hi" }));
    expect(echo.status).toBe(200);
    expect(await echo.json()).toMatchObject({ content: [{ type: "text", text: "Echo: hi" }] });
    const unknown = await call("everything__no-such-tool", "{}");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "tool_not_found" } });
    expect((await call("everything__echo", "not json")).status).toBe(400);

    const mcpServers = descendantPids(service.child.pid!);
    expect(mcpServers.length).toBeGreaterThan(0);
    const inFlight = call("everything__trigger-long-running-operation", JSON.stringify({ duration: 2, steps: 2 }));
    await waitFor(
      async () => {
        const stats = (await (await fetch(`${service.url}/stats`)).json()) as { servers: { callsInFlight: number }[] };
        return stats.servers[0]!.callsInFlight === 1;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: "the long call to be in flight" },
    );
    service.child.kill("SIGTERM");

    const finished = await inFlight;
    expect(finished.status).toBe(200);
    expect(await finished.json()).toMatchObject({ content: [{ text: expect.stringContaining("Long running operation completed") }] });
    expect(await service.exited).toBe(0);
    expect(service.logs.at(-1)).toMatchObject({ msg: "shut down" });
    expect(mcpServers.filter(isAlive)).toEqual([]);
  });

  it("runs the installed mcp-pool-server bin with its default config (server-everything found where pnpm put it)", async ({ expect }) => {
    const server = await startListening(join(project, "node_modules/.bin/mcp-pool-server"), [], project);
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.url}/readyz`);
    expect(await ready.json()).toEqual({ ready: true, servers: [{ server: "everything", ready: true }] });

    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  });
});
