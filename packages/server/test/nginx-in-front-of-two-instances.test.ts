import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeLlm, type FakeLlm } from "@mcp-pool/test-support/fake-llm";
import { freePort } from "@mcp-pool/test-support/free-port";
import { startNginx, type Nginx } from "@mcp-pool/test-support/nginx";
import { waitFor } from "@mcp-pool/test-support/processes";
import { startRedisServer, type RedisServer } from "@mcp-pool/test-support/redis-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatClient, handshakeStatus, type Frame } from "./helpers/chat-client.js";
import { startServerProcess, type ServerProcess } from "./helpers/server-process.js";
import { labEntry } from "./helpers/servers.js";

const USERS = ["ann", "bob", "cat"];
const TOKENS = [...USERS, "dan"].map((user) => `tok-${user}:${user}`).join(",");
/** Questions per user per minute, across instances. */
const RATE = 150;

type HistoryFrame = Extract<Frame, { type: "history" }>;

/** One chat server process behind nginx, restartable on its port. */
class Instance {
  process: ServerProcess | undefined;
  constructor(
    readonly port: number,
    readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    this.process = await startServerProcess({ ...this.env, PORT: String(this.port) });
  }

  /** True when this instance opened the socket whose `ready` frame said `sessionId`. */
  serves(sessionId: string): boolean {
    return this.process?.logs.some((line) => line.msg === "socket opened" && line.session_id === sessionId) ?? false;
  }

  /** Sends `signal` and waits for the process to exit. */
  async end(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.process!.child;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }
}

async function historyOf(client: ChatClient, chatId: string): Promise<HistoryFrame> {
  const from = client.frames.length;
  client.send({ type: "history", chat_id: chatId });
  const frame = await client.until((f) => (f.type === "history" || f.type === "error") && f.chat_id === chatId, from);
  if (frame.type !== "history") throw new Error(`expected a history frame, got ${JSON.stringify(frame)}`);
  return frame;
}

describe("nginx (docs/deploy/nginx.conf) in front of two instances on one Redis", () => {
  let dir: string;
  let redis: RedisServer;
  let llm: FakeLlm;
  let nginx: Nginx;
  let instances: Instance[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcp-pool-nginx-test-"));
    const config = join(dir, "mcp.json");
    writeFileSync(config, JSON.stringify({ mcpServers: { lab: labEntry() } }));
    redis = await startRedisServer();
    llm = await startFakeLlm();
    // A question first makes the model read through the lab server (a turn that takes a moment), then
    // it answers with every question it was sent: an answer shows the memory its turn got.
    llm.script((request) => {
      const questions = request.messages.filter((m) => m.role === "user").map((m) => m.content);
      // "hang...": the model starts answering and never finishes (until its client is gone).
      if (request.messages.at(-1)!.content?.startsWith("hang")) return { hold: ["Let me think"] };
      if (request.messages.at(-1)!.role === "user") {
        return { toolCalls: [{ name: "lab__slow_read", arguments: JSON.stringify({ ms: 150, text: "x" }) }] };
      }
      return { text: `seen: ${questions.join(" | ")}` };
    });
    const env = {
      HOST: "127.0.0.1",
      MCP_CONFIG: config,
      REDIS_URL: redis.url,
      AUTH_TOKENS: TOKENS,
      OPENAI_API_KEY: "test",
      OPENAI_BASE_URL: llm.baseURL,
      OPENAI_MODEL: "fake",
      RATE_LIMIT_QUESTIONS: String(RATE),
      SHUTDOWN_GRACE_MS: "10000",
      READY_CACHE_MS: "0",
      // A dead instance's turn frees its chat (and shows as interrupted) this long after it died.
      TURN_LOCK_MS: "2000",
    };
    const ports = [await freePort(), await freePort()];
    instances = ports.map((port) => new Instance(port, env));
    await Promise.all(instances.map((instance) => instance.start()));
    nginx = await startNginx(ports);
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all((instances ?? []).map((instance) => instance.process?.stop()));
    await llm?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The instance that logged this socket's session (its log line may come a moment after `ready`). */
  const servingInstance = async (client: ChatClient): Promise<Instance> => {
    const found = await waitFor(() => instances.find((instance) => instance.serves(client.ready.session_id)), {
      timeoutMs: 5000,
      what: `an instance to log session ${client.ready.session_id}`,
    });
    return found!;
  };

  /** Waits until nginx sends a new socket to `instance` (after a restart it waits out fail_timeout first). */
  const untilNginxUses = (instance: Instance) =>
    waitFor(
      async () => {
        const probe = await connect("cat").catch(() => undefined);
        const used = probe !== undefined && (await servingInstance(probe).catch(() => undefined)) === instance;
        await probe?.close();
        return used;
      },
      { timeoutMs: 30_000, what: `nginx to send a socket to the instance on port ${instance.port}` },
    );

  /** A socket of `user` through nginx that landed on `instance` (least_conn usually sends it there at once). */
  const connectTo = async (user: string, instance: Instance): Promise<ChatClient> => {
    const client = await waitFor(
      async () => {
        const candidate = await connect(user);
        if ((await servingInstance(candidate)) === instance) return candidate;
        await candidate.close();
        return undefined;
      },
      { timeoutMs: 20_000, what: `a socket of ${user} on the instance on port ${instance.port}` },
    );
    return client!;
  };

  /** Opens a socket through nginx, once `ready` has come. */
  const connect = async (user: string) => {
    const client = await ChatClient.open(nginx.url, { token: `tok-${user}` });
    await client.until((f) => f.type === "ready");
    return client;
  };

  it("passes /readyz of the instance it picks, the page's own Origin and Host, and answers its own /nginx-health", async () => {
    expect((await fetch(`${nginx.url}/nginx-health`)).status).toBe(200);
    // A browser on the page nginx serves: its Origin (host and port) matches the Host nginx passes on.
    expect((await handshakeStatus(nginx.url, { token: "tok-ann", headers: { origin: nginx.url } })).status).toBe(101);
    expect((await handshakeStatus(nginx.url, { token: "tok-ann", headers: { origin: "http://evil.example" } })).status).toBe(403);
    const response = await fetch(`${nginx.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ready: true });
  });

  it("upgrades WebSockets, and a conversation begun on one instance goes on with its memory after that instance is SIGKILLed", async () => {
    const first = await connect("ann");
    expect((await first.ask("c1", "apple")).at(-1)).toMatchObject({ type: "answer", text: "seen: apple" });
    const victim = await servingInstance(first);

    await victim.end("SIGKILL");
    expect((await first.closed).code).toBe(1006);
    // nginx finds the dead instance refusing connections and sends the handshake to the other one.
    const again = await connect("ann");
    expect(await servingInstance(again)).not.toBe(victim);
    expect((await historyOf(again, "c1")).messages).toEqual([
      { role: "user", text: "apple" },
      expect.objectContaining({ role: "tool", name: "lab__slow_read", ok: true }),
      { role: "assistant", text: "seen: apple" },
    ]);
    expect((await again.ask("c1", "pear")).at(-1)).toMatchObject({ type: "answer", text: "seen: apple | pear" });
    await again.close();
    await victim.start();
    await untilNginxUses(victim);
  });

  it("shows a question in flight when its instance died as interrupted, through the other instance", async () => {
    const first = await connect("bob");
    expect((await first.ask("cut", "before")).at(-1)).toMatchObject({ type: "answer", text: "seen: before" });
    const from = first.frames.length;
    first.send({ chat_id: "cut", question: "hang on" });
    await first.until((f) => f.type === "delta" && f.chat_id === "cut", from);
    const victim = await servingInstance(first);
    await victim.end("SIGKILL");

    const again = await connect("bob");
    // The dead instance's hold on the chat expires after TURN_LOCK_MS; then the question reads as interrupted.
    const history = await waitFor(
      async () => {
        const frame = await historyOf(again, "cut");
        const last = frame.messages.at(-1);
        return last?.role === "user" && last.interrupted ? frame : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 250, what: "the question to show as interrupted" },
    );
    expect(history!.messages.map((m) => [m.role, m.role === "tool" ? m.name : m.text])).toEqual([
      ["user", "before"],
      ["tool", "lab__slow_read"],
      ["assistant", "seen: before"],
      ["user", "hang on"],
    ]);
    // The chat goes on: the next turn runs (the lock is free) and its model sees both questions.
    expect((await again.ask("cut", "after")).at(-1)).toMatchObject({ type: "answer", text: "seen: before | hang on | after" });
    await again.close();
    await victim.start();
    await untilNginxUses(victim);
  });

  it("runs one chat asked through both instances at once one turn after another, none lost, none interleaved", async () => {
    const [one, two] = [await connectTo("ann", instances[0]!), await connectTo("ann", instances[1]!)];
    // Four questions at once, two through each instance: one runs, three wait (MAX_QUEUED_TURNS 4).
    for (const [client, name] of [
      [one, "a"],
      [two, "b"],
      [one, "c"],
      [two, "d"],
    ] as const) {
      client.send({ chat_id: "together", question: name });
    }
    const answers = async (client: ChatClient) => {
      await waitFor(() => client.frames.filter((f) => f.type === "answer" || f.type === "error").length === 2, {
        timeoutMs: 30_000,
        what: "both turns of a socket to end",
      });
      return client.frames.flatMap((f, i) => (f.type === "answer" ? [{ text: f.text, at: client.arrivals[i]! }] : []));
    };
    const ended = [...(await answers(one)), ...(await answers(two))].sort((x, y) => x.at - y.at);
    // Each turn saw every earlier one's question: the k-th answer lists k questions.
    expect(ended.map((answer) => answer.text.replace("seen: ", "").split(" | ").length)).toEqual([1, 2, 3, 4]);
    const history = await historyOf(one, "together");
    // Whole turns, one after another: question, tool call, answer, four times.
    expect(history!.messages.map((m) => m.role)).toEqual(Array.from({ length: 4 }, () => ["user", "tool", "assistant"]).flat());
    expect(new Set(history.messages.flatMap((m) => (m.role === "user" ? [m.text] : [])))).toEqual(new Set(["a", "b", "c", "d"]));
    await Promise.all([one.close(), two.close()]);
  });

  it("holds one user's rate limit across instances", async () => {
    const [one, two] = [await connectTo("dan", instances[0]!), await connectTo("dan", instances[1]!)];
    // Half the budget on each instance: each question is answered or, beyond the chat's line, busy.
    const burst = async (client: ChatClient, chatId: string, count: number) => {
      const from = client.frames.length;
      for (let i = 0; i < count; i++) client.send({ chat_id: chatId, question: `q${i}` });
      const ends = () => client.frames.slice(from).filter((f) => (f.type === "answer" || f.type === "error") && f.chat_id === chatId);
      await waitFor(() => ends().length === count, { timeoutMs: 30_000, what: `${count} turns of ${chatId} to end` });
      return ends().map((f) => (f.type === "error" ? f.code : f.type));
    };
    for (const outcome of await burst(one, "r1", RATE / 2)) expect(["answer", "busy"]).toContain(outcome);
    for (const outcome of await burst(two, "r2", RATE / 2)) expect(["answer", "busy"]).toContain(outcome);
    expect(await burst(one, "r3", 1)).toEqual(["rate_limited"]);
    expect(await burst(two, "r4", 1)).toEqual(["rate_limited"]);
    await Promise.all([one.close(), two.close()]);
  });

  it("a rolling restart (SIGTERM one instance, then the other) loses no acknowledged question", async () => {
    let stop = false;
    const answered = new Map<string, string[]>(USERS.map((user) => [user, []]));
    const chatOf = (n: number) => `rolling-${Math.floor((n - 1) / 10)}`;
    const closeCodes: number[] = [];
    // Each user asks one question after another, reconnecting (through nginx) whenever the socket closes.
    const drive = async (user: string) => {
      let client = await connect(user);
      for (let n = 1; !stop; n++) {
        const question = `${user}-${n}`;
        // Ten questions per chat, so no chat reaches the store's bound on messages (which cuts whole old turns).
        const frames = await client.ask(chatOf(n), question).catch(() => undefined);
        const end = frames?.at(-1);
        if (end?.type === "answer") answered.get(user)!.push(question);
        // A refused question (busy: the instance is draining) was never acknowledged; it is not asked again.
        else if (end?.type === "error") expect(end).toMatchObject({ code: "busy", message: expect.stringMatching(/shutting down/) });
        if (client.socket.readyState !== client.socket.OPEN || end?.type === "error") {
          closeCodes.push((await client.closed).code);
          client = await waitFor(() => connect(user), { timeoutMs: 20_000, intervalMs: 100, what: `${user} to reconnect` });
        }
      }
      return client;
    };
    const drivers = USERS.map((user) => drive(user));
    const askedBy = (minimum: number) =>
      waitFor(() => [...answered.values()].every((list) => list.length >= minimum), { timeoutMs: 30_000, what: "questions answered" });

    await askedBy(2);
    for (const instance of instances) {
      // Draining: its turns finish, its sockets get 1012, their users land on the other instance.
      expect(await instance.end("SIGTERM")).toBe(0);
      await instance.start();
      const before = Math.min(...[...answered.values()].map((list) => list.length));
      await askedBy(before + 2);
      // As an operator would: the next instance drains only once nginx sends the restarted one traffic again.
      await untilNginxUses(instance);
    }
    stop = true;
    const clients = await Promise.all(drivers);

    expect(closeCodes.length).toBeGreaterThan(0);
    expect(closeCodes.every((code) => code === 1012)).toBe(true);
    for (const [i, user] of USERS.entries()) {
      const mine = answered.get(user)!;
      const chats = [...new Set(mine.map((question) => chatOf(Number(question.split("-")[1]))))];
      const messages = (await Promise.all(chats.map((chat) => historyOf(clients[i]!, chat)))).flatMap((h) => h.messages);
      const questions = messages.flatMap((m) => (m.role === "user" ? [m.text] : []));
      // Every answered question is in its chat, in order, each with its answer; none interrupted.
      expect(questions).toEqual(mine);
      expect(messages.some((m) => m.role === "user" && m.interrupted)).toBe(false);
      expect(messages.filter((m) => m.role === "assistant")).toHaveLength(questions.length);
    }
    await Promise.all(clients.map((client) => client.close()));
  }, 180_000);
});
