/**
 * One MCP server's tool list, shared by every session: fetched once on first
 * need, refreshed once per `notifications/tools/list_changed` (notifications
 * arriving together, e.g. from several pooled clients, make one refresh).
 * Listings wait for it only a bounded time (`settleForListing`): a server
 * whose connect hangs must not hold every user's listing.
 */

import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { CatalogLoadingError } from "./errors.js";
import { compileToolFilter } from "./tool-filter.js";
import type { ToolFilter } from "./types.js";

/** Coalesces a burst of list_changed notifications from several clients into one refresh. */
const REFRESH_DEBOUNCE_MS = 25;
/**
 * How long listings wait, by default, for a server's first load (from when it began), so that the first
 * turns after a start see the servers that start in a few seconds. Loads after a failure are not waited for.
 */
export const FIRST_LOAD_WAIT_MS = 5_000;

/**
 * Fetches the server's tools. `sessionId` is the session whose listing needs
 * them, when one does (a per-session server may read them through its client).
 */
export type ToolLoader = (sessionId: string | undefined) => Promise<Tool[]>;

export class ServerCatalog {
  #tools: Tool[] | undefined;
  #loading: Promise<Tool[]> | undefined;
  #version = 0;
  #refreshTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Why the last load failed; cleared by a load that succeeds. */
  #lastError: Error | undefined;
  /** Until when listings wait for the first load: set when it begins, 0 once any load has ended. */
  #firstLoadUntil: number | undefined;
  readonly #allowed: (name: string) => boolean;

  constructor(
    readonly server: string,
    filter: ToolFilter,
    private readonly load: ToolLoader,
    private readonly onLoaded: (version: number, tools: number) => void,
    private readonly onRefreshFailed: (error: unknown) => void,
  ) {
    this.#allowed = compileToolFilter(filter);
  }

  /** 0 until the first successful load; bumped on each load. */
  get version(): number {
    return this.#version;
  }

  /** The tools, loading them (for `sessionId`, if given) if no load has succeeded yet. */
  tools(sessionId?: string): Promise<Tool[]> {
    if (this.#tools) return Promise.resolve(this.#tools);
    return this.#fetch(sessionId);
  }

  /**
   * For a listing: resolves once the tools are loaded, once a load failed, or once the listing has waited
   * long enough, whichever comes first. It waits `waitMs` when given, else only for the first load, until
   * FIRST_LOAD_WAIT_MS after it began. Starts a load (in the background) when the tools are not loaded and
   * none is in flight, so a server that failed is tried again by the next listing (its circuit permitting).
   */
  async settleForListing(sessionId: string | undefined, waitMs: number | undefined): Promise<void> {
    if (this.#tools || this.#closed) return;
    const loaded = this.#fetch(sessionId).then(
      () => undefined,
      () => undefined,
    );
    const wait = waitMs ?? (this.#firstLoadUntil ?? 0) - Date.now();
    if (wait <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, wait);
    });
    await Promise.race([loaded, waited]).finally(() => clearTimeout(timer));
  }

  /** Why a listing has no tools of this server: the last load's failure, or that the first is in progress. */
  unavailableReason(): Error | undefined {
    if (this.#tools) return undefined;
    return (
      this.#lastError ?? new CatalogLoadingError(`The tools of MCP server "${this.server}" are still loading`, { server: this.server })
    );
  }

  /** The last tools loaded, without loading. */
  cached(): Tool[] | undefined {
    return this.#tools;
  }

  /** The server said its list changed: refresh once, soon. */
  invalidate(): void {
    if (this.#closed || this.#refreshTimer) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = undefined;
      void this.#afterCurrentLoad().then(() => this.#fetch(undefined).catch((error: unknown) => this.onRefreshFailed(error)));
    }, REFRESH_DEBOUNCE_MS);
    this.#refreshTimer.unref();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#refreshTimer);
  }

  /** Single flight: concurrent callers share one tools/list round. */
  #fetch(sessionId: string | undefined): Promise<Tool[]> {
    if (this.#loading) return this.#loading;
    this.#firstLoadUntil ??= Date.now() + FIRST_LOAD_WAIT_MS;
    const loading = this.load(sessionId)
      .then(
        (tools) => {
          const visible = tools.filter((tool) => this.#allowed(tool.name));
          this.#tools = visible;
          this.#lastError = undefined;
          this.#version += 1;
          this.onLoaded(this.#version, visible.length);
          return visible;
        },
        (error: unknown) => {
          this.#lastError = error instanceof Error ? error : new Error(String(error));
          throw error;
        },
      )
      .finally(() => {
        this.#firstLoadUntil = 0;
        if (this.#loading === loading) this.#loading = undefined;
      });
    this.#loading = loading;
    return loading;
  }

  async #afterCurrentLoad(): Promise<void> {
    await this.#loading?.catch(() => undefined);
  }
}
