/**
 * An MCP HTTP server running as a child process for a test (see fixture-servers.ts for the servers).
 *   startHttpChild(launch, port, readyTimeoutMs) -> HttpFixture {url, port, pid, entry(), stop(), restart()}
 * The child is ready when launch.ready says so; restart() kills it and starts it again on the same port,
 * so old HTTP sessions meet a fresh process. stop() ends it (SIGTERM, then SIGKILL) and is safe to repeat.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { killAndWait } from "./processes.js";

export interface HttpFixture {
  /** `http://127.0.0.1:<port>/mcp` */
  readonly url: string;
  readonly port: number;
  /** The current child's pid; a new one after restart(). */
  readonly pid: number;
  /** The `mcpServers` entry for this server: `{ url, ...extra }`. */
  entry<E extends object>(extra?: E): { url: string } & E;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export interface ChildLaunch {
  /** node's arguments (script first) to listen on `port`; 0 only if the server picks and prints one. */
  args(port: number): string[];
  env?(port: number): Record<string, string>;
  /** Resolves with the port once the child serves (the port it printed, or `port`). */
  ready(child: ChildProcess, port: number): Promise<number>;
}

/** Starts the child; rejects (and ends it) if it is not ready within readyTimeoutMs. */
export async function startHttpChild(launch: ChildLaunch, port: number, readyTimeoutMs: number): Promise<HttpFixture> {
  let child = await spawnReady(launch, port, readyTimeoutMs);
  const boundPort = Number(child.port);
  const stop = async () => {
    const running = child.process;
    if (running.exitCode !== null || running.signalCode !== null) return;
    // 'exit' comes from waitpid, after every thread is gone and the port is free;
    // a zombie main thread alone (what isAlive sees) may still hold it.
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.stdin?.end();
    if (running.pid !== undefined) await killAndWait(running.pid, "SIGTERM", 3_000);
    await exited;
  };
  return {
    url: `http://127.0.0.1:${boundPort}/mcp`,
    port: boundPort,
    get pid() {
      return child.process.pid ?? -1;
    },
    entry: <E extends object>(extra?: E) => ({ url: `http://127.0.0.1:${boundPort}/mcp`, ...(extra as E) }),
    stop,
    async restart() {
      await stop();
      child = await spawnReady(launch, boundPort, readyTimeoutMs);
    },
  };
}

async function spawnReady(launch: ChildLaunch, port: number, readyTimeoutMs: number) {
  const child = spawn(process.execPath, launch.args(port), {
    env: { ...process.env, ...launch.env?.(port) },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-2_000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once("exit", (code, signal) => reject(new Error(`server exited (${code ?? signal}) before ready: ${stderr}`)));
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`server not ready after ${readyTimeoutMs} ms: ${stderr}`)), readyTimeoutMs);
  });
  try {
    const readyPort = await Promise.race([launch.ready(child, port), exited, timedOut]);
    exited.catch(() => {}); // a later exit (stop, crash tool) is not an error of the start
    return { process: child, port: readyPort };
  } catch (error) {
    exited.catch(() => {});
    if (child.pid !== undefined) await killAndWait(child.pid, "SIGKILL", 3_000);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
