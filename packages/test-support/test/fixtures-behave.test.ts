// The fixture servers do what the pool, agent and server tests rely on. A bare SDK Client talks to them:
// here the fixtures are the subject, not the pool.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  everythingStdioEntry,
  labStats,
  labStdioEntry,
  startEverythingHttp,
  startLabHttp,
  type HttpFixture,
} from "../src/fixture-servers.js";
import { freePort } from "../src/free-port.js";
import { descendantPids, isAlive, killAndWait, waitFor } from "../src/processes.js";

interface Connected {
  client: Client;
  /** The pid of the server process this client talks to. */
  serverPid: number;
  /** HTTP only: the MCP session id. */
  sessionId?: string;
}

const openClients: Client[] = [];

async function connectStdio(entry = labStdioEntry()): Promise<Connected> {
  const transport = new StdioClientTransport({ ...entry, stderr: "pipe" });
  const client = new Client({ name: "fixtures-test", version: "1.0.0" });
  await client.connect(transport);
  openClients.push(client);
  return { client, serverPid: transport.pid ?? -1 };
}

async function connectHttp(fixture: HttpFixture): Promise<Connected> {
  const transport = new StreamableHTTPClientTransport(new URL(fixture.url));
  const client = new Client({ name: "fixtures-test", version: "1.0.0" });
  await client.connect(transport);
  openClients.push(client);
  return { client, serverPid: fixture.pid, sessionId: transport.sessionId };
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

async function callText(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const [first] = (await call(client, name, args)).content;
  return first?.type === "text" ? first.text : "";
}

afterEach(async () => {
  await Promise.all(openClients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  // Every server child a test started has been ended (closed stdio clients end theirs).
  await waitFor(() => descendantPids().length === 0, { timeoutMs: 5_000, what: "every child process to end" });
});

describe.each(["stdio", "http"] as const)("the lab server over %s", (kind) => {
  let fixture: HttpFixture | undefined;
  beforeAll(async () => {
    if (kind === "http") fixture = await startLabHttp();
  });
  afterAll(async () => {
    await fixture?.stop();
  });
  const connect = () => (fixture ? connectHttp(fixture) : connectStdio());

  it("echo answers echo:<text> with {text, pid} as structured content", async () => {
    const { client, serverPid } = await connect();
    const result = await call(client, "echo", { text: "hi" });
    expect(result.content).toEqual([{ type: "text", text: "echo:hi" }]);
    expect(result.structuredContent).toEqual({ text: "hi", pid: serverPid });
  });

  it("annotates read-only tools as safe to repeat and the others as not", async () => {
    const { client } = await connect();
    const { tools } = await client.listTools();
    const hints = (name: string) => tools.find((tool) => tool.name === name)?.annotations;
    for (const name of ["echo", "whoami", "slow_read", "cancellations", "list_tools_count"]) {
      expect(hints(name), name).toMatchObject({ readOnlyHint: true, idempotentHint: true });
    }
    for (const name of ["increment", "slow_write", "hang", "crash", "add_tool"]) {
      expect(hints(name), name).toMatchObject({ readOnlyHint: false, idempotentHint: false });
    }
  });

  it("whoami names a different connection per client; increment counts per connection", async () => {
    const first = await connect();
    const second = await connect();
    const firstWho = JSON.parse(await callText(first.client, "whoami"));
    const secondWho = JSON.parse(await callText(second.client, "whoami"));
    expect(firstWho.pid).toBe(first.serverPid);
    expect(firstWho.connection).not.toBe(secondWho.connection);
    expect(await callText(first.client, "increment")).toBe("1");
    expect(await callText(first.client, "increment")).toBe("2");
    expect(await callText(second.client, "increment")).toBe("1");
  });

  it("slow_read and slow_write answer after the wait", async () => {
    const { client } = await connect();
    const started = Date.now();
    const [read, write] = await Promise.all([
      callText(client, "slow_read", { ms: 200, text: "x" }),
      callText(client, "slow_write", { ms: 200 }),
    ]);
    expect(read).toBe("slow:x");
    expect(write).toBe("slow:200");
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("hang answers nothing until cancelled, and cancellations counts the cancel", async () => {
    const { client } = await connect();
    const before = Number(await callText(client, "cancellations"));
    const abort = new AbortController();
    const hanging = client.callTool({ name: "hang", arguments: {} }, undefined, { signal: abort.signal });
    const outcome = await Promise.race([hanging.then(() => "answered"), new Promise((r) => setTimeout(r, 300, "pending"))]);
    expect(outcome).toBe("pending");
    abort.abort();
    await expect(hanging).rejects.toThrow(/abort/i);
    await waitFor(async () => Number(await callText(client, "cancellations")) === before + 1, { what: "the cancel count" });
  });

  it("progress sends one notification per step, then done:<steps>", async () => {
    const { client } = await connect();
    const seen: number[] = [];
    const result = await client.callTool({ name: "progress", arguments: { steps: 3, intervalMs: 100 } }, undefined, {
      onprogress: (update) => seen.push(update.progress),
    });
    expect(result.content).toEqual([{ type: "text", text: "done:3" }]);
    expect(seen).toEqual([1, 2, 3]);
  });

  it("fail answers isError with the message", async () => {
    const { client } = await connect();
    const result = await call(client, "fail", { message: "boom" });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: "text", text: "boom" }]);
  });

  it("offers a tool name over 64 characters and one with a dot, both callable", async () => {
    const { client } = await connect();
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    const long = names.filter((name) => name.length > 64);
    expect(long).toHaveLength(2);
    expect(names).toContain("dotted.echo");
    expect(await callText(client, "dotted.echo", { text: "a" })).toBe("dotted.echo:a");
    expect(await callText(client, long[0] ?? "", { text: "b" })).toBe(`${long[0]}:b`);
  });

  it("list_tools_count counts the tools/list requests served", async () => {
    const { client } = await connect();
    const before = Number(await callText(client, "list_tools_count"));
    await client.listTools();
    await client.listTools();
    expect(Number(await callText(client, "list_tools_count"))).toBe(before + 2);
  });

  it("add_tool adds a tool and tells every connected client that the list changed", async () => {
    const adder = await connect();
    const watcher = kind === "http" ? await connect() : adder; // stdio: one process, one connection
    let changes = 0;
    watcher.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changes++;
    });
    const server = fixture;
    if (server) await waitFor(async () => (await labStats(server)).streamsOpen >= 2, { what: "both GET streams" });
    const name = `added_${kind}`;
    expect(await callText(adder.client, "add_tool", { name })).toBe(`added:${name}`);
    await waitFor(() => changes > 0, { what: "notifications/tools/list_changed" });
    expect((await watcher.client.listTools()).tools.map((tool) => tool.name)).toContain(name);
    expect(await callText(watcher.client, name, { text: "c" })).toBe(`${name}:c`);
    if (server) {
      const later = await connect();
      expect(await callText(later.client, name, { text: "d" })).toBe(`${name}:d`);
    }
  });
});

describe("the lab server's crash tool", () => {
  it("over stdio ends the child with the call in flight", async () => {
    const { client, serverPid } = await connectStdio();
    await expect(client.callTool({ name: "crash", arguments: {} })).rejects.toThrow(/closed/i);
    await waitFor(() => !isAlive(serverPid), { what: "the crashed child to be gone" });
  });

  it("over HTTP ends the server process after delayMs", async () => {
    const fixture = await startLabHttp();
    try {
      const { client } = await connectHttp(fixture);
      const pid = fixture.pid;
      const started = Date.now();
      const crashing = client.callTool({ name: "crash", arguments: { delayMs: 150 } });
      crashing.catch(() => {}); // the answer never comes; whether the client notices is not the subject
      await waitFor(() => !isAlive(pid), { what: "the crashed HTTP server to be gone" });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await fixture.stop();
    }
  });
});

describe("the lab server over HTTP", () => {
  let fixture: HttpFixture;
  beforeAll(async () => {
    fixture = await startLabHttp();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it("counts the sessions opened and open in /stats", async () => {
    const before = await labStats(fixture);
    expect(before.pid).toBe(fixture.pid);
    const transport = new StreamableHTTPClientTransport(new URL(fixture.url));
    const client = new Client({ name: "fixtures-test", version: "1.0.0" });
    await client.connect(transport);
    openClients.push(client);
    await connectHttp(fixture);
    expect(await labStats(fixture)).toMatchObject({
      sessionsOpened: before.sessionsOpened + 2,
      sessionsOpen: before.sessionsOpen + 2,
    });
    await transport.terminateSession();
    expect((await labStats(fixture)).sessionsOpen).toBe(before.sessionsOpen + 1);
  });

  it("answers 404 to a session of the process before a restart, on the same port", async () => {
    const { client, sessionId } = await connectHttp(fixture);
    const { port, pid: oldPid } = fixture;
    await fixture.restart();
    expect(fixture.port).toBe(port);
    expect(fixture.pid).not.toBe(oldPid);
    expect(isAlive(oldPid)).toBe(false);
    const failure = await client.callTool({ name: "echo", arguments: { text: "x" } }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StreamableHTTPError);
    expect((failure as StreamableHTTPError).code).toBe(404);
    const raw = await fetch(fixture.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": sessionId ?? "" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(raw.status).toBe(404);
    const fresh = await connectHttp(fixture);
    expect(await callText(fresh.client, "echo", { text: "again" })).toBe("echo:again");
  });
});

describe("server-everything", () => {
  it("serves its echo tool over stdio", async () => {
    const { client } = await connectStdio(everythingStdioEntry());
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("echo");
  });

  it("serves its echo tool over HTTP, started on a free port", async () => {
    const fixture = await startEverythingHttp();
    try {
      const { client } = await connectHttp(fixture);
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("echo");
    } finally {
      await fixture.stop();
    }
    expect(isAlive(fixture.pid)).toBe(false);
  });
});

describe("the process helpers", () => {
  it("descendantPids sees a grandchild; killAndWait ends a child that ignores SIGTERM with SIGKILL", async () => {
    // A child that ignores SIGTERM and starts a grandchild that lives until its stdin (our child) ends.
    const script = `
      process.on("SIGTERM", () => {});
      const grandchild = require("node:child_process").spawn(process.execPath, ["-e", "process.stdin.resume()"], { stdio: ["pipe", "ignore", "ignore"] });
      console.log(grandchild.pid);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "ignore"] });
    const grandchildPid = await new Promise<number>((resolve) => child.stdout.once("data", (line) => resolve(Number(String(line)))));
    const childPid = child.pid ?? -1;
    expect(descendantPids()).toEqual(expect.arrayContaining([childPid, grandchildPid]));
    expect(descendantPids(childPid)).toEqual([grandchildPid]);

    expect(await killAndWait(childPid, "SIGTERM", 300)).toBe(false);
    expect(isAlive(childPid)).toBe(false);
    expect(await killAndWait(grandchildPid, "SIGTERM", 2_000)).toBe(true);
    expect(isAlive(grandchildPid)).toBe(false);
  });

  it("freePort gives a port that can be listened on at 127.0.0.1", async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  it("waitFor returns the first truthy value and names what it waited for on timeout", async () => {
    let polls = 0;
    expect(await waitFor(() => (++polls >= 3 ? `after ${polls}` : undefined), { intervalMs: 5 })).toBe("after 3");
    await expect(waitFor(() => false, { timeoutMs: 50, what: "the moon" })).rejects.toThrow(/the moon/);
  });
});
