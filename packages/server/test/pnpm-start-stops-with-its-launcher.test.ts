/**
 * The README's `npx -y pnpm@12.4.2 start` as a real process tree (npm → sh → pnpm → node → the
 * default config's MCP server), signalled the ways docs/operations.md describes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { untilListening, type LogLine } from "@mcp-pool/test-support/json-log";
import { descendantPids, isAlive, waitFor } from "@mcp-pool/test-support/processes";
import { afterEach, describe, expect, it } from "vitest";
import { ChatClient } from "./helpers/chat-client.js";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const NPX = join(dirname(process.execPath), "npx");

interface Started {
  top: ChildProcess;
  url: string;
  logs: LogLine[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const trees: number[][] = [];

/** Runs the README command in its own process group (as a terminal would), resolved once the server listens. */
async function pnpmStart(): Promise<Started> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", LOG_LEVEL: "info" };
  delete env.MCP_CONFIG;
  const top = spawn(NPX, ["-y", "pnpm@12.4.2", "start"], { cwd: REPO_ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  trees.push([top.pid!]);
  // "close", not "exit": every process holding its pipes (the server too) is gone and what they wrote has been read.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    top.once("close", (code, signal) => resolve({ code, signal })),
  );
  let stderr = "";
  top.stderr!.on("data", (chunk: Buffer) => {
    stderr += String(chunk);
  });
  const { url, logs } = await untilListening(top).catch((error: Error) => {
    throw new Error(`${error.message}; pnpm said: ${stderr}`);
  });
  return { top, url, logs, stderr: () => stderr, exited };
}

/** Every process of the tree now: npm, the shell, pnpm, node and the MCP server it started. */
function processTree(top: ChildProcess): number[] {
  const tree = [top.pid!, ...descendantPids(top.pid!)];
  trees.push(tree);
  return tree;
}

describe("npx -y pnpm@12.4.2 start", () => {
  afterEach(() => {
    for (const pid of trees.flat()) if (isAlive(pid)) process.kill(pid, "SIGKILL");
    trees.length = 0;
  });

  it("serves the default config, and SIGTERM to its top process ends every process of it after a clean shutdown", async () => {
    const started = await pnpmStart();
    const client = await ChatClient.open(started.url);
    const answer = (await client.ask("c1", '/call everything__echo {"message":"from the default config"}')).at(-1);
    expect(answer).toMatchObject({ type: "answer", text: expect.stringContaining("Echo: from the default config") });
    await client.close();
    const tree = processTree(started.top);
    expect(tree.length).toBeGreaterThanOrEqual(5);

    process.kill(started.top.pid!, "SIGTERM");

    await waitFor(() => tree.every((pid) => !isAlive(pid)), {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: "every process of the tree to end",
    });
    await started.exited;
    expect(started.logs).toContainEqual(expect.objectContaining({ msg: "closing on signal", signal: "launcher exited" }));
    expect(started.logs.at(-1)).toMatchObject({ msg: "shut down" });
  });

  it("on Ctrl-C (SIGINT to the process group) shuts down cleanly and pnpm reports no failure", async () => {
    const started = await pnpmStart();
    const tree = processTree(started.top);

    process.kill(-started.top.pid!, "SIGINT");

    await waitFor(() => tree.every((pid) => !isAlive(pid)), {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: "every process of the tree to end",
    });
    // npm ends itself by the SIGINT it got (a shell shows 130), as it does for any interrupted command.
    expect(await started.exited).toEqual({ code: null, signal: "SIGINT" });
    expect(started.logs).toContainEqual(expect.objectContaining({ msg: "closing on signal", signal: "SIGINT" }));
    expect(started.logs.at(-1)).toMatchObject({ msg: "shut down" });
    expect(started.stderr()).not.toContain("ELIFECYCLE");
  });
});
