/**
 * Makes an AbortController follow a longer-lived AbortSignal with one
 * listener per signal, however many controllers follow it. A caller may pass
 * one signal to many calls at once (an agent's turn, a transport's lifetime);
 * a listener per call would trip Node's MaxListenersExceededWarning past 10
 * and, for fetch, pile up until garbage collection.
 */

const followers = new WeakMap<AbortSignal, Set<AbortController>>();

/** `controller` aborts (with the same reason) when `signal` does; the returned function stops that. */
export function followAbort(signal: AbortSignal, controller: AbortController): () => void {
  if (signal.aborted) {
    controller.abort(signal.reason);
    return noop;
  }
  const following = followersOf(signal);
  following.add(controller);
  return () => following.delete(controller);
}

function followersOf(signal: AbortSignal): Set<AbortController> {
  const known = followers.get(signal);
  if (known) return known;
  const following = new Set<AbortController>();
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
