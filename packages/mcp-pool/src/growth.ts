/**
 * When a shared pool opens another client: the one decision a growth policy
 * makes, kept apart so it can be replaced (measured queueing, a threshold on
 * waiters' age) without touching lending. The pool bounds the answer by
 * `maxConnections` and asks the circuit before each new connect.
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
}

/** How many more clients to acquire now (idle ones first); the pool caps it by what room is left. */
export type GrowthPolicy = (view: GrowthView) => number;

/** Enough clients for everyone waiting, counting those already on their way. */
export const growForEveryWaiter: GrowthPolicy = ({ waiting, pending, maxCallsPerConnection }) =>
  Math.ceil(waiting / maxCallsPerConnection) - pending;
