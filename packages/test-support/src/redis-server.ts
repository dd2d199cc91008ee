/**
 * startRedisServer(): a private `redis-server` for one test file, on a free port, with no persistence
 * (`--save "" --appendonly no`), so a test never touches the machine's Redis (6379) and may kill its own.
 *   const redis = await startRedisServer();   redis.url  redis.pid
 *   await redis.kill("SIGKILL");              await redis.restart();   (same port, empty)
 *   await redis.stop();                       ends it by pid (idempotent)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createConnection } from "node:net";
import { freePort } from "./free-port.js";
import { isAlive, waitFor } from "./processes.js";

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? "/usr/bin/redis-server";

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** The pid of the running redis-server (changes on restart). */
  readonly pid: number;
  /** Sends `signal` and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted). */
  restart(): Promise<void>;
  /** Ends it (SIGTERM, then SIGKILL), if running. */
  stop(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child = await spawnRedis(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid!;
    },
    kill: (signal = "SIGKILL") => endProcess(child, signal),
    async restart() {
      await endProcess(child, "SIGKILL");
      child = await spawnRedis(port);
    },
    stop: () => endProcess(child, "SIGTERM"),
  };
}

async function spawnRedis(port: number): Promise<ChildProcess> {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"];
  const child = spawn(REDIS_SERVER_BIN, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const failed = new Promise<never>((_, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`redis-server on port ${port} exited (${code}): ${stderr}`)));
  });
  // The process is killed if this test process dies first, so no redis-server outlives its test.
  const cleanup = () => child.kill("SIGKILL");
  process.once("exit", cleanup);
  child.once("exit", () => process.off("exit", cleanup));
  await Promise.race([failed, waitFor(() => answersPing(port), { timeoutMs: 10_000, what: `redis-server on port ${port}` })]);
  failed.catch(() => {});
  return child;
}

async function endProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || !isAlive(pid)) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** True once the server answers PING with PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.setTimeout(1_000);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}
