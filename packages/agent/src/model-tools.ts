/**
 * The tools offered to the model: the agent's view of the catalog, fitted to
 * the provider's limits (fitOpenAITools). The fit is made once per catalog
 * version, filter and limits, not per turn, and shared by every agent that
 * lists that catalog, whatever ToolProvider it goes through (the chat server
 * gives each user one of their own); when tools had to be dropped or
 * descriptions cut, it is logged once, with the server and tool names (again
 * only if a reload changes what is dropped or cut).
 */

import {
  fitOpenAITools,
  OPENAI_TOOL_LIMITS,
  type CatalogTool,
  type OpenAIToolLimits,
  type OpenAIToolsFit,
  type ToolFilter,
  type ToolListing,
} from "mcp-pool";
import type OpenAI from "openai";
import type { AgentLogger } from "./logger.js";

export interface ModelTools {
  /** The `tools` of a Chat Completions request (empty: send none). */
  tools: OpenAI.ChatCompletionTool[];
  /** `tools` as JSON, made once with the fit: every model request sends it (tens of KB for a large catalog). */
  toolsJson: string;
  /** The names the model was offered: the only ones the agent will call. */
  allowed: ReadonlySet<string>;
}

interface Fitted extends ModelTools {
  /** The catalog the fit was made from, compared by identity of its parts. */
  source: readonly CatalogTool[];
}

/** Fits kept per catalog version, one per distinct filter and limits; agents rarely have many. */
const MAX_FITS_PER_CATALOG = 64;
/**
 * Keyed by the catalog's first tool's schema object: the manager hands out the same one until that
 * server's tools are reloaded, so a catalog version's fits live as long as it does.
 */
const fits = new WeakMap<object, Map<string, Fitted>>();
/** What was last logged per filter and limits, across catalog versions. */
const reported = new Map<string, string>();
const NO_TOOLS: ModelTools = { tools: [], toolsJson: "[]", allowed: new Set() };

export function modelTools(
  listing: ToolListing,
  filter: ToolFilter | undefined,
  limits: OpenAIToolLimits = OPENAI_TOOL_LIMITS,
  logger?: AgentLogger,
): ModelTools {
  const first = listing.tools[0];
  if (!first) return NO_TOOLS;
  let byKey = fits.get(first.inputSchema);
  if (!byKey) {
    byKey = new Map();
    fits.set(first.inputSchema, byKey);
  }
  const key = JSON.stringify([filter ?? null, limits.maxTools, limits.maxDescriptionChars]);
  const cached = byKey.get(key);
  if (cached && sameCatalog(cached.source, listing.tools)) return cached;

  const fit = fitOpenAITools(listing.tools, limits);
  const fitted: Fitted = {
    source: listing.tools,
    tools: fit.tools as OpenAI.ChatCompletionTool[],
    toolsJson: JSON.stringify(fit.tools),
    allowed: new Set(fit.tools.map((tool) => tool.function.name)),
  };
  const changes = JSON.stringify([fit.dropped, fit.descriptionsCut, fit.schemasReshaped]);
  if (changes !== reported.get(key)) report(fit, limits, logger);
  keep(reported, key, changes);
  keep(byKey, key, fitted);
  return fitted;
}

/** Sets key's value as the newest, forgetting the oldest past MAX_FITS_PER_CATALOG. */
function keep<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_FITS_PER_CATALOG) map.delete(map.keys().next().value!);
}

/**
 * The same catalog version: the manager hands out the same schema objects
 * until a server's tools are reloaded, so identity is enough (and O(tools)).
 */
function sameCatalog(a: readonly CatalogTool[], b: readonly CatalogTool[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.inputSchema !== y.inputSchema || x.description !== y.description || x.title !== y.title) return false;
  }
  return true;
}

function report(fit: OpenAIToolsFit, limits: OpenAIToolLimits, logger: AgentLogger | undefined): void {
  if (!logger) return;
  const where = ({ server, tool }: { server: string; tool: string }) => `${server}/${tool}`;
  if (fit.dropped.length > 0 || fit.descriptionsCut.length > 0) {
    logger.warn(
      {
        max_tools: limits.maxTools,
        max_description_chars: limits.maxDescriptionChars,
        offered: fit.tools.length,
        dropped: fit.dropped.map((ref) => `${where(ref)} (${ref.reason})`),
        descriptions_cut: fit.descriptionsCut.map(where),
      },
      "tools not offered to the model as they are: choose them with tools.allow / tools.deny",
    );
  }
  if (fit.schemasReshaped.length > 0) {
    logger.debug({ tools: fit.schemasReshaped.map(where) }, "tool parameter schemas reshaped for the model");
  }
}
