/**
 * What keeps other web pages out, since a browser will send a request to any
 * address a page names: the Host a request was sent to (DNS rebinding: a page
 * whose name now resolves to 127.0.0.1), the Origin of the page that sent it
 * (cross-site WebSocket hijacking: WebSockets have no CORS), and the headers
 * that stop the page being framed or its files being read as something else.
 */

import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AuthEnv } from "./auth.js";
import type { ClientAddresses } from "./client-address.js";
import type { LimitName, RefusalLog } from "./refusal-log.js";

/** Which `Host` names are served: `allowed` when given, else loopback names when bound to loopback, else any. */
export function hostGuard(
  allowed: string[],
  boundToLoopback: boolean,
  refusals: RefusalLog,
  clients: ClientAddresses,
): MiddlewareHandler<AuthEnv> {
  const names = new Set(allowed.map((name) => name.toLowerCase()));
  const accepts = names.size > 0 ? (name: string) => names.has(name) : boundToLoopback ? isLoopbackName : undefined;
  if (!accepts) return (_c, next) => next();
  return async (c, next) => {
    const host = c.req.header("host") ?? "";
    if (!accepts(hostnameOf(host))) return refuse(c, refusals, clients, "ALLOWED_HOSTS", `host ${host.slice(0, 100)} is not served here`);
    return next();
  };
}

/**
 * A browser's request must come from an allowed Origin: one of `allowed` when given, else the page's
 * own origin (the Origin's host is the Host the request was sent to). Requests without Origin (not
 * from a browser) pass.
 */
export function originGuard(allowed: string[], refusals: RefusalLog, clients: ClientAddresses): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin === undefined) return next();
    const ok = allowed.length > 0 ? allowed.includes(origin) : hostOf(origin) === (c.req.header("host") ?? "").toLowerCase();
    if (!ok) return refuse(c, refusals, clients, "ALLOWED_ORIGINS", `origin ${origin.slice(0, 100)} is not allowed`);
    return next();
  };
}

/** The page loads only its own files and talks only to its own server; nobody may frame it. */
export const securityHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
  // HSTS belongs to whoever terminates TLS (the proxy); sent here it would pin a name to https.
  strictTransportSecurity: false,
});

function refuse(
  c: Parameters<MiddlewareHandler<AuthEnv>>[0],
  refusals: RefusalLog,
  clients: ClientAddresses,
  limit: LimitName,
  message: string,
) {
  refusals.refused(limit, clients.of(c.env.incoming), "request refused", { reason: message });
  return c.json({ error: "forbidden", message }, 403);
}

/** `localhost`, `*.localhost`, `127.x.y.z` and `[::1]`: names that cannot point a browser anywhere else. */
function isLoopbackName(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") || /^127(\.\d{1,3}){3}$/.test(hostname) || hostname === "[::1]";
}

/** `Example.com:3000` → `example.com`; `[::1]:3000` → `[::1]`; unparsable → "". */
function hostnameOf(host: string): string {
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return "";
  }
}

/** `https://Chat.example:8443` → `chat.example:8443`; `null` or unparsable → "". */
function hostOf(origin: string): string {
  try {
    return new URL(origin).host;
  } catch {
    return "";
  }
}
