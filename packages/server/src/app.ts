/** The HTTP routes: the web page, health, readiness, metrics, stats and /ws. */

import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { createNodeWebSocket, type NodeWebSocket } from "@hono/node-ws";
import type { WSEvents } from "hono/ws";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import { requireUser, type AuthEnv, type Authenticator } from "./auth.js";
import { hostGuard, originGuard, securityHeaders } from "./browser-guards.js";
import { loadPageFiles } from "./page-files.js";
import type { RefusalLog } from "./refusal-log.js";
import type { ServerMetrics } from "./metrics.js";
import type { ReadinessCheck } from "./readiness.js";
import type { Peer } from "./socket-handler.js";
import type { ClientAddresses } from "./client-address.js";
import type { PerAddressCount } from "./connection-guard.js";
import { remoteAddressOf } from "./remote-address.js";

export interface AppDeps {
  auth: Authenticator;
  /** Origins allowed to use /ws and /api/*; empty: the page's own origin only. */
  allowedOrigins: string[];
  /** Host names served; empty: loopback names when bound to loopback, else any. */
  allowedHosts: string[];
  boundToLoopback: boolean;
  refusals: RefusalLog;
  /** Who the client is (the TCP peer, or X-Forwarded-For's hop when the peer is a trusted proxy). */
  clientAddresses: ClientAddresses;
  /** MAX_CONNECTIONS_PER_IP for sockets that came through a trusted proxy, per forwarded client. */
  proxiedClients: PerAddressCount;
  metrics: ServerMetrics;
  readiness: ReadinessCheck;
  /** The /api/stats body. */
  stats: () => Promise<unknown>;
  isClosing: () => boolean;
  /** Where a route or socket handler that threw is reported (a bug: they are written not to). */
  logger: Logger;
  /** The socket's events, for the peer whose handshake this is. */
  socketEvents: (peer: Peer) => WSEvents<WebSocket>;
}

/** The routes, and the WebSocket helper whose `injectWebSocket(server)` the caller runs once listening. */
export function createApp(deps: AppDeps): { app: Hono<AuthEnv>; nodeWs: NodeWebSocket } {
  const app = new Hono<AuthEnv>();
  const nodeWs = createNodeWebSocket({ app });

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    deps.logger.error({ err: error, method: c.req.method, path: c.req.path }, "request failed");
    return c.json({ error: "internal" }, 500);
  });

  app.use("*", securityHeaders, hostGuard(deps.allowedHosts, deps.boundToLoopback, deps.refusals, deps.clientAddresses));
  const sameOrigin = originGuard(deps.allowedOrigins, deps.refusals, deps.clientAddresses);

  for (const { route, body, contentType } of loadPageFiles()) {
    app.get(route, (c) => c.body(body, 200, { "content-type": contentType, "cache-control": "no-cache" }));
  }

  app.get("/healthz", (c) => c.json({ status: deps.isClosing() ? "closing" : "ok" }));

  app.get("/readyz", async (c) => {
    if (deps.isClosing()) return c.json({ ready: false, servers: [], reason: "closing" }, 503);
    const readiness = await deps.readiness.check();
    return c.json(readiness, readiness.ready ? 200 : 503);
  });

  app.get("/metrics", async (c) =>
    c.body(await deps.metrics.registry.metrics(), 200, { "content-type": deps.metrics.registry.contentType }),
  );

  app.use("/api/*", sameOrigin, requireUser(deps.auth));
  app.get("/api/stats", async (c) => c.json(await deps.stats()));

  app.get(
    "/ws",
    sameOrigin,
    requireUser(deps.auth),
    async (c, next) => (deps.isClosing() ? c.text("shutting down", 503) : next()),
    async (c, next) => {
      // Through a trusted proxy the TCP connection is the proxy's: the per-address limit counts the forwarded client here.
      const incoming = c.env.incoming;
      if (!deps.clientAddresses.fromTrustedProxy(remoteAddressOf(incoming.socket))) return next();
      const address = deps.clientAddresses.of(incoming);
      if (deps.proxiedClients.tryOpen(address, incoming.socket)) return next();
      deps.refusals.refused("MAX_CONNECTIONS_PER_IP", address, "connection refused", { max_connections_per_ip: deps.proxiedClients.max });
      return c.text("too many connections from your address", 429);
    },
    nodeWs.upgradeWebSocket(
      (c) => {
        const tcp = c.env.incoming.socket;
        return deps.socketEvents({ userId: c.get("userId"), remoteAddress: deps.clientAddresses.of(c.env.incoming), tcp });
      },
      {
        // @hono/node-ws builds a DOM ErrorEvent for socket errors, which Node 20 lacks; the
        // session logs the socket's own error instead, so that ReferenceError is dropped here.
        onError: (error) => {
          if (!(error instanceof ReferenceError && error.message.includes("ErrorEvent")))
            deps.logger.error({ err: error }, "socket handler failed");
        },
      },
    ),
  );

  return { app, nodeWs };
}
