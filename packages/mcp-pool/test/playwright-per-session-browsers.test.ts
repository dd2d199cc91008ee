// @playwright/mcp with Debian's chromium (docs/real-servers/playwright.json): per session, so each user gets a
// browser of their own; ${session.id} gives each its own output directory. One user's navigation never shows in
// another's page, and closing the manager leaves no browser process behind. It announces tools/list_changed on
// each session's first call: the catalog is re-read through the announcing client, so two sessions start two
// processes, not four.
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { sessionIdForPaths } from "../src/session-placeholder.js";
import { serverStats, textOf, useManagers } from "./helpers/manager.js";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";
import { docConfig, useRealServerBins, useTempDir } from "./helpers/real-servers.js";

const use = useManagers();
useRealServerBins();

/** A web server on 127.0.0.1 whose page at /<name> is titled "page of <name>". */
async function pages(): Promise<string> {
  const server = createServer((request, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end(`<title>page of ${request.url?.slice(1)}</title><h1>Hello ${request.url?.slice(1)}</h1>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

describe("@playwright/mcp per session", () => {
  it("gives each session its own browser and output directory, and leaves no browser behind", async () => {
    const site = await pages();
    const outputDir = useTempDir("browser");
    const manager = use.managerOf(await docConfig("playwright", { BROWSER_OUTPUT_DIR: outputDir }));
    const loads: number[] = [];
    manager.on("catalogLoaded", (event) => loads.push(event.version));

    const navigate = (sessionId: string) => manager.callTool("browser__browser_navigate", { url: `${site}/${sessionId}` }, { sessionId });
    await Promise.all([navigate("alice"), navigate("bob")]);
    const snapshot = textOf(await manager.callTool("browser__browser_snapshot", {}, { sessionId: "alice" }));
    expect(snapshot).toContain("Page Title: page of alice");
    expect(snapshot).not.toContain("bob");
    expect(existsSync(join(outputDir, sessionIdForPaths("alice")))).toBe(true);
    expect(existsSync(join(outputDir, sessionIdForPaths("bob")))).toBe(true);
    await waitFor(() => loads.length >= 2, { what: "the catalog refreshed after tools/list_changed" });
    expect(serverStats(manager)).toMatchObject({ clientsCreated: 2, sessionClients: 2, waiting: 0 });

    await manager.close();
    await waitFor(() => descendantPids().length === 0, { timeoutMs: 10_000, what: "every browser process to exit" });
  });
});
