/**
 * Debian's nginx in front of chat server instances, for tests and the bench, running the shipped
 * docs/deploy/nginx.conf with its upstream ports and its listen port replaced:
 *   const nginx = await startNginx([portA, portB]);   nginx.url   nginx.pid
 *   startNginx(ports, { workerConnections: 4096 })    room for many sockets (each takes two)
 *   await nginx.stop();                               ends it by pid (SIGTERM, then SIGKILL)
 *   runNginx(serverConfig, port, ready)               the same nginx with server blocks of a test's own
 * nginx writes only in its own temporary directory (logs, pid, temp files).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.js";
import { killAndWait, waitFor } from "./processes.js";

export const NGINX_BIN = process.env.NGINX_BIN ?? "/usr/sbin/nginx";
const SHIPPED_CONF = fileURLToPath(new URL("../../../docs/deploy/nginx.conf", import.meta.url));

export interface Nginx {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  /** Its error log so far (for a failing test's message). */
  errorLog(): string;
  stop(): Promise<void>;
}

/** The shipped config with the test's ports: the first upstream `server` line per port, listening on `port`. */
export function templatedConfig(upstreamPorts: number[], port: number): string {
  const shipped = readFileSync(SHIPPED_CONF, "utf8");
  const servers = [...shipped.matchAll(/^\s*server 127\.0\.0\.1:\d+ ([^;]*);$/gm)];
  if (servers.length === 0 || !/^\s*listen 80;$/m.test(shipped))
    throw new Error(`${SHIPPED_CONF}: no upstream server lines or no "listen 80;"`);
  const options = servers[0]![1];
  const upstream = upstreamPorts.map((p) => `    server 127.0.0.1:${p} ${options};`).join("\n");
  const start = servers[0]!.index!;
  const last = servers.at(-1)!;
  return (shipped.slice(0, start) + upstream + shipped.slice(last.index! + last[0].length)).replace(
    /^(\s*)listen 80;$/m,
    `$1listen 127.0.0.1:${port};`,
  );
}

export interface NginxOptions {
  /** nginx's worker_connections (default 512): a proxied socket takes two, one per side. */
  workerConnections?: number;
}

export async function startNginx(upstreamPorts: number[], options: NginxOptions = {}): Promise<Nginx> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const healthy = async () => (await fetch(`${url}/nginx-health`).catch(() => undefined))?.ok === true;
  return runNginx(templatedConfig(upstreamPorts, port), port, healthy, options);
}

/**
 * Debian's nginx with `serverConfig` (server blocks, listening on 127.0.0.1:`port`) in its http block, in a
 * temporary directory of its own; resolved once `ready()` is true, rejected if nginx exits first.
 */
export async function runNginx(
  serverConfig: string,
  port: number,
  ready: () => Promise<boolean>,
  { workerConnections = 512 }: NginxOptions = {},
): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), "mcp-pool-nginx-"));
  writeFileSync(join(dir, "mcp-pool.conf"), serverConfig);
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((kind) => `${kind}_temp_path ${join(dir, kind)};`).join(" ");
  writeFileSync(
    join(dir, "nginx.conf"),
    [
      "worker_processes 1;",
      `error_log ${join(dir, "error.log")} warn;`,
      `events { worker_connections ${workerConnections}; }`,
      `http { access_log off; ${temp} include ${join(dir, "mcp-pool.conf")}; }`,
    ].join("\n"),
  );
  const child = spawn(NGINX_BIN, ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", `daemon off; pid ${join(dir, "nginx.pid")};`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const cleanup = () => child.kill("SIGKILL");
  process.once("exit", cleanup);
  const errorLog = () => {
    try {
      return readFileSync(join(dir, "error.log"), "utf8");
    } catch {
      return stderr;
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`nginx exited (${code}): ${stderr}`))));
  const up = waitFor(ready, { timeoutMs: 10_000, what: `nginx on port ${port}` });
  await Promise.race([up, exited]);
  exited.catch(() => {});
  return {
    url,
    pid: child.pid!,
    errorLog,
    stop: async () => {
      await killAndWait(child.pid!, "SIGTERM", 5000);
      process.off("exit", cleanup);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
