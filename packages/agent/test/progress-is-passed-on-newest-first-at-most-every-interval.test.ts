// The relay between the pool's onProgress and a turn's events, on fake timers: the first update goes at once,
// later ones at most every PROGRESS_INTERVAL_MS and only the newest of each call; nothing of a call after its
// result; a server's message is cut; values that are not numbers are dropped; no timer is left after close().
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_PROGRESS_MESSAGE_CHARS, PROGRESS_INTERVAL_MS } from "../src/index.js";
import type { ToolProgressEvent } from "../src/index.js";
import { ToolProgressRelay } from "../src/tool-progress.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Runs `relay.until(work)`, collecting what it yields as it yields it. */
function drive(relay: ToolProgressRelay, work: Promise<string>) {
  const seen: ToolProgressEvent[] = [];
  const done = (async () => {
    const events = relay.until(work);
    for (let next = await events.next(); ; next = await events.next()) {
      if (next.done) return next.value;
      seen.push(next.value);
    }
  })();
  return { seen, done };
}

describe("ToolProgressRelay", () => {
  it("passes the first update at once, then the newest of each call at most every interval", async () => {
    const relay = new ToolProgressRelay("c1");
    let finish!: (value: string) => void;
    const { seen, done } = drive(relay, new Promise((resolve) => (finish = resolve)));
    const a = relay.listener("call_a", "lab__progress");
    const b = relay.listener("call_b", "lab__other");

    a({ progress: 1, total: 10 });
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.map((e) => [e.callId, e.progress])).toEqual([["call_a", 1]]);

    for (let step = 2; step <= 9; step++) a({ progress: step, total: 10, message: `step ${step}` });
    b({ progress: 0.5 });
    await vi.advanceTimersByTimeAsync(PROGRESS_INTERVAL_MS - 1);
    expect(seen).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen.slice(1)).toEqual([
      { type: "toolProgress", chatId: "c1", callId: "call_a", name: "lab__progress", progress: 9, total: 10, message: "step 9" },
      { type: "toolProgress", chatId: "c1", callId: "call_b", name: "lab__other", progress: 0.5 },
    ]);

    // Quiet for longer than the interval: the next update goes at once again.
    await vi.advanceTimersByTimeAsync(10 * PROGRESS_INTERVAL_MS);
    a({ progress: 10, total: 10 });
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.at(-1)).toMatchObject({ callId: "call_a", progress: 10 });

    finish("result");
    expect(await done).toBe("result");
    relay.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("drops a call's updates once its result is told, cuts long messages and ignores what is not a number", async () => {
    const relay = new ToolProgressRelay("c1");
    let finish!: (value: string) => void;
    const { seen, done } = drive(relay, new Promise((resolve) => (finish = resolve)));
    const a = relay.listener("call_a", "lab__progress");

    a({ progress: Number.NaN });
    a({ progress: 1, total: Number.POSITIVE_INFINITY, message: "x".repeat(5_000) });
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([
      {
        type: "toolProgress",
        chatId: "c1",
        callId: "call_a",
        name: "lab__progress",
        progress: 1,
        message: "x".repeat(MAX_PROGRESS_MESSAGE_CHARS),
      },
    ]);

    a({ progress: 2 }); // due only after the interval...
    relay.finish("call_a"); // ...and the result comes first
    a({ progress: 3 });
    await vi.advanceTimersByTimeAsync(2 * PROGRESS_INTERVAL_MS);
    expect(seen).toHaveLength(1);

    finish("result");
    await done;
    relay.close();
    a({ progress: 4 });
    expect(vi.getTimerCount()).toBe(0);
  });
});
