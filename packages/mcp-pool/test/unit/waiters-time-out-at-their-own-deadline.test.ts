// The wait queue keeps one timer for all its waiters: each still fails at its own deadline, whatever the
// order in which waiters with different bounds came (a readiness probe waits less than a call), and an empty
// queue leaves no timer behind. Fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PoolTimeoutError } from "../../src/index.js";
import { WaitQueue } from "../../src/wait-queue.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** How a waiter's promise ended so far. */
function watch(waiting: Promise<string>) {
  const outcome: { value?: string; error?: unknown } = {};
  waiting.then(
    (value) => {
      outcome.value = value;
    },
    (error: unknown) => {
      outcome.error = error;
    },
  );
  return outcome;
}

describe("waiters' deadlines", () => {
  it("fails a waiter with a shorter bound that came later at its own deadline, and the earlier one at its own", async () => {
    const queue = new WaitQueue<string>("fake", 10, 1_000);
    const call = watch(queue.enqueue("s1", undefined));
    await vi.advanceTimersByTimeAsync(100);
    const probe = watch(queue.enqueue("s2", undefined, undefined, { timeoutMs: 50 }));

    await vi.advanceTimersByTimeAsync(49);
    expect(probe.error).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(probe.error).toBeInstanceOf(PoolTimeoutError);
    expect((probe.error as Error).message).toBe('Waited 50 ms for a connection to MCP server "fake"');
    expect(call.error).toBeUndefined();
    expect(queue.length).toBe(1);

    await vi.advanceTimersByTimeAsync(849);
    expect(call.error).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(call.error).toBeInstanceOf(PoolTimeoutError);
    expect((call.error as Error).message).toBe('Waited 1000 ms for a connection to MCP server "fake"');
    expect(queue.length).toBe(0);
  });

  it("lets a waiter granted before its deadline keep its slot, and leaves no timer once nobody waits", async () => {
    const queue = new WaitQueue<string>("fake", 10, 1_000);
    const first = watch(queue.enqueue("s1", undefined));
    const second = watch(queue.enqueue("s2", undefined));
    const [head] = [...queue.waiting()];
    expect(head?.grant("slot")).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(first.value).toBe("slot");

    await vi.advanceTimersByTimeAsync(1_000);
    expect(second.error).toBeInstanceOf(PoolTimeoutError);
    expect(first.error).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("takes a cancelled waiter out at once and times out the rest on schedule", async () => {
    const queue = new WaitQueue<string>("fake", 10, 1_000);
    const cancel = new AbortController();
    const cancelled = watch(queue.enqueue("s1", cancel.signal));
    const kept = watch(queue.enqueue("s2", undefined));
    cancel.abort(new Error("user left"));
    await vi.advanceTimersByTimeAsync(0);
    expect((cancelled.error as { code?: string }).code).toBe("call_cancelled");
    expect(queue.length).toBe(1);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(kept.error).toBeInstanceOf(PoolTimeoutError);
    expect(vi.getTimerCount()).toBe(0);
  });
});
