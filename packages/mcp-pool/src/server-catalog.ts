/**
 * One MCP server's tool list, shared by every session: fetched once on first
 * need, refreshed once per `notifications/tools/list_changed` (notifications
 * arriving together, e.g. from several pooled clients, make one refresh).
 */

import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { compileToolFilter } from "./tool-filter.js";
import type { ToolFilter } from "./types.js";

/** Coalesces a burst of list_changed notifications from several clients into one refresh. */
const REFRESH_DEBOUNCE_MS = 25;

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
    const loading = this.load(sessionId)
      .then((tools) => {
        const visible = tools.filter((tool) => this.#allowed(tool.name));
        this.#tools = visible;
        this.#version += 1;
        this.onLoaded(this.#version, visible.length);
        return visible;
      })
      .finally(() => {
        if (this.#loading === loading) this.#loading = undefined;
      });
    this.#loading = loading;
    return loading;
  }

  async #afterCurrentLoad(): Promise<void> {
    await this.#loading?.catch(() => undefined);
  }
}
