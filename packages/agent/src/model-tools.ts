/**
 * The tools offered to the model: the agent's view of the catalog, fitted to
 * the provider's limits (fitOpenAITools). The fit is made once per catalog
 * version and filter, not per turn, and shared by the agents of one
 * ToolProvider; when tools had to be dropped or descriptions cut, it is
 * logged once, with the server and tool names (again only if a reload
 * changes what is dropped or cut).
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
import type { ToolProvider } from "./tools.js";

export interface ModelTools {
  /** The `tools` of a Chat Completions request (empty: send none). */
  tools: OpenAI.ChatCompletionTool[];
  /** The names the model was offered: the only ones the agent will call. */
  allowed: ReadonlySet<string>;
}

interface Fitted extends ModelTools {
  /** The catalog the fit was made from, compared by identity of its parts. */
  source: readonly CatalogTool[];
  /** What was logged about it: a reload that changes nothing is not logged again. */
  reported: string;
}

/** Fits kept per provider: one per distinct filter and limits; agents rarely have many. */
const MAX_FITS_PER_PROVIDER = 64;
const fits = new WeakMap<ToolProvider, Map<string, Fitted>>();

export function modelTools(
  provider: ToolProvider,
  listing: ToolListing,
  filter: ToolFilter | undefined,
  limits: OpenAIToolLimits = OPENAI_TOOL_LIMITS,
  logger?: AgentLogger,
): ModelTools {
  let byKey = fits.get(provider);
  if (!byKey) {
    byKey = new Map();
    fits.set(provider, byKey);
  }
  const key = JSON.stringify([filter ?? null, limits.maxTools, limits.maxDescriptionChars]);
  const cached = byKey.get(key);
  if (cached && sameCatalog(cached.source, listing.tools)) return cached;

  const fit = fitOpenAITools(listing.tools, limits);
  const fitted: Fitted = {
    source: listing.tools,
    tools: fit.tools as OpenAI.ChatCompletionTool[],
    allowed: new Set(fit.tools.map((tool) => tool.function.name)),
    reported: JSON.stringify([fit.dropped, fit.descriptionsCut, fit.schemasReshaped]),
  };
  if (fitted.reported !== cached?.reported) report(fit, limits, logger);
  byKey.delete(key);
  byKey.set(key, fitted);
  if (byKey.size > MAX_FITS_PER_PROVIDER) byKey.delete(byKey.keys().next().value!);
  return fitted;
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
