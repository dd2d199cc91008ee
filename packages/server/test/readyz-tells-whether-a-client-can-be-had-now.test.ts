// /readyz asks each MCP server for a client now (a live one answering ping, else a connect attempt bounded by
// its connectTimeoutMs), cached READY_CACHE_MS. A server that worked and can no longer start (its child killed,
// its command now failing at start) turns it 503 within READY_CACHE_MS + connectTimeoutMs with no user call,
// and 200 again once it starts; a server whose start hangs is not ready either, and /readyz does not wait on
// its catalog, nor longer than READY_TIMEOUT_MS on a server slow to start (whose connect goes on). The reason is a short code, never what the server said.
import { faultEntry } from "@mcp-pool/test-support/fault-suite";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { Readiness } from "../src/index.js";
import { startChatServer } from "./helpers/servers.js";

const READY_CACHE_MS = 500;
const CONNECT_TIMEOUT_MS = 3_000;
/** What the broken server writes to stderr: it must reach no /readyz answer. */
const UPSTREAM_TEXT = "upstream said 502 <html>internal-host-10-0-0-7</html>";

async function readyz(url: string): Promise<{ status: number; body: Readiness; text: string }> {
  const response = await fetch(`${url}/readyz`);
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Readiness, text };
}

/** Polls /readyz until it answers `status`; that answer. */
function readyzUntil(url: string, status: number): Promise<{ status: number; body: Readiness; text: string }> {
  return waitFor(
    async () => {
      const answer = await readyz(url);
      if (answer.status !== status) throw new Error(`/readyz answered ${answer.status}: ${answer.text}`);
      return answer;
    },
    { timeoutMs: 30_000, intervalMs: 50, what: `/readyz to answer ${status}` },
  );
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "readyz-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("/readyz", () => {
  it("turns 503 within READY_CACHE_MS + connectTimeoutMs once a server can no longer start, with no user call", async () => {
    const failFile = join(tempDir(), "cannot-start");
    const server = await startChatServer(
      {
        lab: faultEntry(["--fail-if-exists", failFile], {
          connectTimeoutMs: CONNECT_TIMEOUT_MS,
          circuit: { failureThreshold: 2, baseBackoffMs: 300, maxBackoffMs: 600 },
        }),
      },
      { readyCacheMs: READY_CACHE_MS },
    );
    try {
      // The first probe starts the server (nobody has called it).
      const first = await readyz(server.url);
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ ready: true, servers: [{ server: "lab", ready: true }] });
      const [child] = descendantPids();
      expect(child).toBeDefined();

      writeFileSync(failFile, UPSTREAM_TEXT);
      process.kill(child!, "SIGKILL");
      const brokenAt = Date.now();
      const notReady = await readyzUntil(server.url, 503);
      expect(Date.now() - brokenAt).toBeLessThan(READY_CACHE_MS + CONNECT_TIMEOUT_MS);
      expect(notReady.body.ready).toBe(false);
      // The killed child's ping failed (no_answer) or, once it was gone, the replacement's connect.
      const reason = expect.stringMatching(/^(no_answer|connect_failed|circuit_open)$/);
      expect(notReady.body.servers).toEqual([{ server: "lab", ready: false, reason }]);
      expect(notReady.text).not.toContain("internal-host");
      expect(notReady.text).not.toContain("cannot start");

      // It can start again: ready again, as soon as its circuit lets a connect through.
      rmSync(failFile);
      const ready = await readyzUntil(server.url, 200);
      expect(ready.body).toEqual({ ready: true, servers: [{ server: "lab", ready: true }] });
    } finally {
      await server.close({ graceMs: 0 });
    }
    expect(descendantPids()).toEqual([]);
  });

  it("answers within READY_TIMEOUT_MS while a server is slow to start, and 200 once it is up (its connect went on)", async () => {
    const server = await startChatServer(
      { ok: faultEntry(), slow: faultEntry(["--start-delay-ms", "4000"], { connectTimeoutMs: 60_000 }) },
      // Time for the quick server's child to start on a loaded 2-core machine (500 ms was not, once).
      { readyCacheMs: READY_CACHE_MS, readyTimeoutMs: 1_500 },
    );
    try {
      const startedAt = Date.now();
      const answer = await readyz(server.url);
      // Its READY_TIMEOUT_MS, and room for a loaded machine; its connectTimeoutMs is a minute.
      expect(Date.now() - startedAt).toBeLessThan(1_500 + 1_500);
      expect(answer.status).toBe(503);
      expect(answer.body.servers).toEqual([
        { server: "ok", ready: true },
        { server: "slow", ready: false, reason: "timeout" },
      ]);
      const ready = await readyzUntil(server.url, 200);
      expect(ready.body.servers).toEqual([
        { server: "ok", ready: true },
        { server: "slow", ready: true },
      ]);
      // One child each: the slow one's first connect is the one that came up, none was started again.
      expect(descendantPids()).toHaveLength(2);
    } finally {
      await server.close({ graceMs: 0 });
    }
    expect(descendantPids()).toEqual([]);
  });

  it("is 503 for a server whose start hangs, within its connectTimeoutMs, while a healthy one is ready", async () => {
    const server = await startChatServer(
      {
        ok: faultEntry(),
        hung: faultEntry(["--hang-at-initialize"], { connectTimeoutMs: CONNECT_TIMEOUT_MS }),
      },
      { readyCacheMs: READY_CACHE_MS },
    );
    try {
      const startedAt = Date.now();
      const answer = await readyz(server.url);
      // Its connect timeout, and room for a loaded machine.
      expect(Date.now() - startedAt).toBeLessThan(CONNECT_TIMEOUT_MS + 1_500);
      expect(answer.status).toBe(503);
      expect(answer.body.servers).toEqual([
        { server: "ok", ready: true },
        { server: "hung", ready: false, reason: expect.stringMatching(/^(timeout|connect_failed)$/) },
      ]);
    } finally {
      await server.close({ graceMs: 0 });
    }
    expect(descendantPids()).toEqual([]);
  });
});
