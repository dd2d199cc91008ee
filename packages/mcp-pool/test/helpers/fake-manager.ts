/**
 * Managers over fake connections (fake-connections.ts), for unit tests of the pool's logic with fake timers.
 *   const use = useFakeManagers()          once per file: fake timers before each test; after it, every
 *                                          manager closed (manual closes finished) and real timers back
 *   use.manager(fake, entry?)              a manager with one server "fake" ({ command: "fake", ...entry })
 *   borrow(manager, options?)              holds a client through withClient() until giveBack():
 *                                          { lent (resolves with the client once lent), done (withClient's
 *                                          promise), giveBack(), client (once lent) }
 *   borrowOnce(manager, options?)          borrows a client and gives it back at once; resolves with it, given back
 *   settle()                               lets promise chains run (and what is due now, no time moves)
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterEach, beforeEach, vi } from "vitest";
import { PooledMCPServerManager, type McpServersJson, type WithClientOptions } from "../../src/index.js";
import type { FakeConnections } from "./fake-connections.js";

type ServerEntry = McpServersJson["mcpServers"][string];

export interface FakeManagers {
  manager(fake: FakeConnections, entry?: Partial<ServerEntry>): PooledMCPServerManager;
}

export function useFakeManagers(): FakeManagers {
  const made: { manager: PooledMCPServerManager; fake: FakeConnections }[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    for (const { fake } of made) for (const connection of fake.made) connection.exit();
    await Promise.all(made.splice(0).map(({ manager }) => manager.close({ graceMs: 0 })));
    vi.useRealTimers();
  });
  return {
    manager(fake, entry = {}) {
      const manager = new PooledMCPServerManager(
        { mcpServers: { fake: { command: "fake", ...entry } as ServerEntry } },
        { connectionFactory: fake.factory },
      );
      made.push({ manager, fake });
      return manager;
    },
  };
}

export interface Borrowed {
  /** Resolves with the client once it is lent. */
  lent: Promise<Client>;
  /** What withClient() settles with. */
  done: Promise<unknown>;
  giveBack(): void;
  /** The client, once lent. */
  client: Client | undefined;
}

export function borrow(manager: PooledMCPServerManager, options: WithClientOptions = {}): Borrowed {
  let markLent!: (client: Client) => void;
  let giveBack!: () => void;
  const lent = new Promise<Client>((resolve) => (markLent = resolve));
  const held = new Promise<void>((resolve) => (giveBack = resolve));
  const borrowed: Borrowed = {
    lent,
    giveBack: () => giveBack(),
    client: undefined,
    done: manager.withClient(
      "fake",
      async (client) => {
        borrowed.client = client;
        markLent(client);
        await held;
      },
      options,
    ),
  };
  borrowed.done.catch(() => undefined); // a test that expects a failure awaits `done` itself
  return borrowed;
}

export async function borrowOnce(manager: PooledMCPServerManager, options: WithClientOptions = {}): Promise<Client> {
  const borrowed = borrow(manager, options);
  const client = await borrowed.lent;
  borrowed.giveBack();
  await borrowed.done;
  await settle();
  return client;
}

/** Lets pending promise callbacks (and the microtasks they queue) run, without moving fake time. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
  await vi.advanceTimersByTimeAsync(0);
}
