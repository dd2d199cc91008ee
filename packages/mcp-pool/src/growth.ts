/**
 * When a shared pool opens another client: the one decision a growth policy
 * makes, kept apart so it can be replaced without touching lending. The pool
 * bounds the answer by `maxConnections` and asks the circuit before each new
 * connect; while waiters remain it asks again once the oldest of them has
 * waited `growAfterWaitMs`.
 */

/** What the pool knows when some waiters cannot be served by the clients it has. */
export interface GrowthView {
  /** Callers waiting for a slot. */
  waiting: number;
  /** How long the oldest of them has waited, in ms. */
  oldestWaitMs: number;
  /** Clients lent (carrying calls or about to). */
  lent: number;
  /** Acquisitions already under way (an idle client being checked, or a new one connecting). */
  pending: number;
  /** Idle clients that can be had without a connect. */
  idle: number;
  maxConnections: number;
  maxCallsPerConnection: number;
  growAfterWaitMs: number;
  /** How many new clients may open together (a growth trial's size: growth-check.ts). */
  connectsAtOnce: number;
}

/** How many more clients to acquire now (idle ones first); the pool caps it by what room is left. */
export type GrowthPolicy = (view: GrowthView) => number;

/** Enough clients for everyone waiting, counting those already on their way (`growAfterWaitMs: 0`). */
export const growForEveryWaiter: GrowthPolicy = ({ waiting, pending, maxCallsPerConnection }) =>
  Math.ceil(waiting / maxCallsPerConnection) - pending;

/**
 * Grows when measured queueing says a client would help. An idle client costs
 * no new child: waiters take it at once, and the first client opens at once.
 * Past that, new children open `connectsAtOnce` at a time (one, or as many
 * as carry calls after a growth trial that paid), and only once the oldest
 * waiter has waited `growAfterWaitMs`: the open clients' calls are slow to
 * end (a slow tool), so more slots shorten the wait. Fast calls drain the queue
 * sooner than a child starts, and a second child would take CPU from the
 * first (on 2 cores one child carried more calls than four: docs/benchmarks.md).
 */
export const growWhenWaitersAge: GrowthPolicy = (view) => {
  if (view.growAfterWaitMs === 0) return growForEveryWaiter(view);
  const forEveryWaiter = growForEveryWaiter(view);
  if (forEveryWaiter <= 0) return 0;
  const fromIdle = Math.min(forEveryWaiter, view.idle);
  if (view.lent + view.pending + fromIdle === 0) return 1;
  const due = fromIdle < forEveryWaiter && view.pending === 0 && view.oldestWaitMs >= view.growAfterWaitMs;
  return fromIdle + (due ? Math.min(view.connectsAtOnce, forEveryWaiter - fromIdle) : 0);
};
