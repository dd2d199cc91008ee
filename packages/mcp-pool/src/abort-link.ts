/**
 * Makes an AbortController follow a longer-lived AbortSignal with one
 * listener per signal, however many controllers follow it. A caller may pass
 * one signal to many calls at once (an agent's turn, a transport's lifetime);
 * a listener per call would trip Node's MaxListenersExceededWarning past 10
 * and, for fetch, pile up until garbage collection.
 */

/** An AbortController, or anything else that can be aborted with a reason (a CallControl). */
export interface Abortable {
  abort(reason?: unknown): void;
}

const followers = new WeakMap<AbortSignal, Set<Abortable>>();

/** `controller` aborts (with the same reason) when `signal` does; the returned function stops that. */
export function followAbort(signal: AbortSignal, controller: Abortable): () => void {
  if (signal.aborted) {
    controller.abort(signal.reason);
    return noop;
  }
  const following = followersOf(signal);
  following.add(controller);
  return () => following.delete(controller);
}

function followersOf(signal: AbortSignal): Set<Abortable> {
  const known = followers.get(signal);
  if (known) return known;
  const following = new Set<Abortable>();
  followers.set(signal, following);
  signal.addEventListener(
    "abort",
    () => {
      for (const controller of following) controller.abort(signal.reason);
      following.clear();
    },
    { once: true },
  );
  return following;
}

function noop(): void {}
