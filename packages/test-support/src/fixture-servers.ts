/**
 * The MCP servers tests run against, and how to start them.
 *   labServerPath, everythingServerPath      their entry scripts (lab tools: see ../fixtures/lab-tools.mjs)
 *   labStdioEntry(extra?, flags?), everythingStdioEntry(extra?)
 *                                            `mcpServers` entries {command: node, args, ...extra}; `flags`:
 *                                            the lab server's own (--exit-delay-ms N, ...: see lab-server.mjs)
 *   startLabHttp(opts?), startEverythingHttp(opts?)
 *                                            an HTTP server child on a free port, ready: HttpFixture
 *                                            (startLabHttp({eventStore: true}): SSE answers resumable;
 *                                            {endHangAnswers: true}: a `hang` call's SSE answer ends, cleanly
 *                                            and without the answer, 100 ms in)
 *                                            {url, port, pid, entry(extra?), stop(), restart()}; stop every one
 *   canConnect(port)                         true once 127.0.0.1:port accepts a TCP connection
 *   labStats(fixture)                        the lab HTTP server's GET /stats {sessionsOpened, sessionsOpen,
 *                                            streamsOpen, pid}; wait for streamsOpen before expecting a
 *                                            tools/list_changed over HTTP (it is dropped if no stream is open)
 * Note: server-everything answers 400 (not 404) to an unknown session id; the lab server answers 404.
 */
import type { ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.js";
import { startHttpChild, type HttpFixture } from "./http-fixture.js";
import { waitFor } from "./processes.js";

export type { HttpFixture } from "./http-fixture.js";

export const labServerPath = fileURLToPath(new URL("../fixtures/lab-server.mjs", import.meta.url));
export const everythingServerPath = join(
  dirname(createRequire(import.meta.url).resolve("@modelcontextprotocol/server-everything/package.json")),
  "dist/index.js",
);

/** A type, not an interface, so it is assignable to config entries (which have an index signature). */
export type StdioEntry = {
  command: string;
  args: string[];
};

export interface StartOptions {
  /** Listen on this port instead of a free one. */
  port?: number;
  readyTimeoutMs?: number;
}

export interface LabStats {
  sessionsOpened: number;
  sessionsOpen: number;
  /** Open GET /mcp SSE streams, which carry notifications not tied to a request. */
  streamsOpen: number;
  pid: number;
}

// A smaller young generation: ~7 MB less per lab server, which tests run many copies of.
const labNodeFlags = ["--max-semi-space-size=1"];

export function labStdioEntry<E extends object>(extra?: E, flags: string[] = []): StdioEntry & E {
  return { command: process.execPath, args: [...labNodeFlags, labServerPath, ...flags], ...(extra as E) };
}

export function everythingStdioEntry<E extends object>(extra?: E): StdioEntry & E {
  return { command: process.execPath, args: [everythingServerPath, "stdio"], ...(extra as E) };
}

/** The lab server prints "listening <port>" when ready; with port 0 it picks a free one itself. */
export function startLabHttp({
  port = 0,
  readyTimeoutMs = 10_000,
  eventStore = false,
  endHangAnswers = false,
}: StartOptions & { eventStore?: boolean; endHangAnswers?: boolean } = {}): Promise<HttpFixture> {
  const flags = [...(eventStore ? ["--event-store"] : []), ...(endHangAnswers ? ["--end-hang-answers"] : [])];
  return startHttpChild(
    {
      // --exit-on-stdin-close: the child dies with the test process even if a test forgets stop().
      args: (listenOn) => [...labNodeFlags, labServerPath, "--http", "--port", String(listenOn), "--exit-on-stdin-close", ...flags],
      ready: readListeningLine,
    },
    port,
    readyTimeoutMs,
  );
}

/** server-everything reads PORT, logs each request on stdout (ignored), and is ready once it accepts. */
export async function startEverythingHttp({ port, readyTimeoutMs = 15_000 }: StartOptions = {}): Promise<HttpFixture> {
  return startHttpChild(
    {
      args: () => [everythingServerPath, "streamableHttp"],
      env: (listenOn) => ({ PORT: String(listenOn) }),
      ready: async (child, listenOn) => {
        child.stdout?.resume();
        await waitFor(() => canConnect(listenOn), { timeoutMs: readyTimeoutMs, intervalMs: 50, what: "server-everything" });
        return listenOn;
      },
    },
    port ?? (await freePort()),
    readyTimeoutMs,
  );
}

export async function labStats(fixture: Pick<HttpFixture, "url">): Promise<LabStats> {
  const response = await fetch(new URL("/stats", fixture.url));
  return (await response.json()) as LabStats;
}

function readListeningLine(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (!child.stdout) throw new Error("lab server started without a stdout pipe");
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match) {
        lines.close();
        child.stdout?.resume(); // keep draining: the lab server prints nothing more, but never block it
        resolve(Number(match[1]));
      }
    });
  });
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
