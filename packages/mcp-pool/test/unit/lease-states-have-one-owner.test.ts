// The ConnectionTable owns each connection's lease state: connecting → lent(n) ↔ idle, retiring (closes with
// its last call), closing → closed once the close is confirmed; a member that dies closes at once. The counts
// stats() shows come from it, and a closing member still counts as a live child until its close is confirmed.
import { describe, expect, it } from "vitest";
import { ConnectionTable, type Member, type TableListener } from "../../src/connection-table.js";
import { parseConfig } from "../../src/index.js";
import { fakeConnections } from "../helpers/fake-connections.js";

const [server] = parseConfig({ mcpServers: { fake: { command: "fake" } } }).servers;

function tableOver(fake = fakeConnections({ close: "manual" })) {
  const lost: string[] = [];
  const closed: Member[] = [];
  const listener: TableListener = {
    lost: (_member, reason) => lost.push(reason),
    closed: (member) => closed.push(member),
    toolsChanged: () => undefined,
    warning: () => undefined,
    debug: () => undefined,
  };
  return { table: new ConnectionTable(server!, fake.factory, listener), fake, lost, closed };
}

async function opened(table: ConnectionTable, sessionId?: string): Promise<Member> {
  const outcome = await table.open(sessionId);
  if (!outcome.ok) throw outcome.error;
  return outcome.member;
}

describe("a connection's lease state", () => {
  it("goes connecting → lent(n) ↔ idle, and the counts follow", async () => {
    const { table, fake } = tableOver(fakeConnections({ connect: "manual" }));
    const opening = table.open();
    expect(table.counts()).toMatchObject({ open: 1, connecting: 1, live: 1, idle: 0 });
    fake.last().succeed();
    const outcome = await opening;
    if (!outcome.ok) throw outcome.error;
    const { member } = outcome;
    expect(member).toMatchObject({ state: "lent", inFlight: 0, opened: true });

    table.lend(member);
    table.lend(member);
    expect(table.counts()).toMatchObject({ open: 1, connecting: 0, idle: 0, inFlight: 2, created: 1 });
    table.giveBack(member);
    table.giveBack(member);
    expect(table.counts()).toMatchObject({ idle: 1, inFlight: 0 });
    table.shelve(member);
    expect(member.state).toBe("idle");
    expect(() => table.lend(member)).toThrow(/idle/);
    table.unshelve(member);
    expect(member.state).toBe("lent");
  });

  it("retiring: takes no new call and closes with its last one", async () => {
    const { table, fake, closed } = tableOver();
    const member = await opened(table, "s1");
    table.lend(member);
    table.retire(member, "session released");
    expect(member.state).toBe("retiring");
    expect(table.ofSession("s1")).toBeUndefined();
    expect(() => table.lend(member)).toThrow(/retiring/);
    table.giveBack(member);
    expect(member.state).toBe("closing");
    fake.last().exit();
    await table.close(member, "ignored: already closing");
    expect(closed).toEqual([member]);
    expect(member).toMatchObject({ state: "closed", closeReason: "session released" });
  });

  it("closing counts as a live child until the close is confirmed", async () => {
    const { table, fake } = tableOver();
    const member = await opened(table);
    const closing = table.close(member, "idle");
    expect(table.counts()).toMatchObject({ open: 0, live: 1, destroyed: 0 });
    fake.last().exit();
    await closing;
    expect(table.counts()).toMatchObject({ open: 0, live: 0, destroyed: 1 });
  });

  it("a member that dies closes at once, as connection lost, and is reported once", async () => {
    const { table, fake, lost } = tableOver();
    const member = await opened(table);
    table.lend(member);
    fake.last().die();
    await new Promise((resolve) => setImmediate(resolve));
    expect(member).toMatchObject({ state: "closing", closeReason: "connection lost" });
    table.lose(member, "a call saw it dead too");
    expect(lost).toEqual(["transport closed"]);
    table.giveBack(member);
    expect(table.counts()).toMatchObject({ inFlight: 0, live: 1 });
  });

  it("a failed connect and one cut short by a close are told apart", async () => {
    const { table, fake } = tableOver(fakeConnections({ connect: "manual" }));
    const failing = table.open();
    fake.last().fail(new Error("spawn ENOENT"));
    expect(await failing).toMatchObject({ ok: false, cutShort: false, error: { message: "spawn ENOENT" } });

    const cut = table.open("s");
    const member = table.ofSession("s")!;
    table.retire(member, "session released");
    expect(await cut).toMatchObject({ ok: false, cutShort: true });
    expect(table.counts()).toMatchObject({ created: 0, destroyed: 0, sessions: 0 });
  });
});
