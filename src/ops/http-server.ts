import { createServer, type Server } from "node:http";
import type { Logger } from "../log.js";
import type { Metrics } from "./metrics.js";

export interface Health {
  readonly ok: boolean;
  /** Why the bot is not healthy; empty when it is. */
  readonly reasons: readonly string[];
  readonly details: Record<string, unknown>;
}

export interface OpsServerDeps {
  readonly host: string;
  readonly port: number;
  readonly health: () => Health;
  readonly metrics: Metrics;
  readonly log: Logger;
}

/**
 * The optional HTTP listener for operators: GET /healthz (200 when online and in every room,
 * 503 with the reasons otherwise; a JSON body either way) and GET /metrics (Prometheus text).
 */
export function createOpsServer(deps: OpsServerDeps) {
  let server: Server | undefined;
  return {
    async start(): Promise<void> {
      server = createServer((req, res) => {
        const path = (req.url ?? "/").split("?")[0];
        if (req.method !== "GET" && req.method !== "HEAD") {
          res.writeHead(405, { allow: "GET, HEAD" }).end();
          return;
        }
        if (path === "/healthz") {
          const health = deps.health();
          res
            .writeHead(health.ok ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" })
            .end(JSON.stringify({ status: health.ok ? "ok" : "unavailable", reasons: health.reasons, ...health.details }));
          return;
        }
        if (path === "/metrics") {
          deps.metrics.registry.metrics().then(
            (text) => res.writeHead(200, { "content-type": deps.metrics.registry.contentType }).end(text),
            (err: unknown) => {
              deps.log.error({ err }, "metrics failed");
              res.writeHead(500).end();
            },
          );
          return;
        }
        res.writeHead(404, { "content-type": "text/plain" }).end("Herald serves /healthz and /metrics\n");
      });
      await new Promise<void>((resolve, reject) => {
        server!.once("error", reject);
        server!.listen(deps.port, deps.host, () => {
          server!.off("error", reject);
          resolve();
        });
      });
      deps.log.info({ host: deps.host, port: deps.port }, "serving /healthz and /metrics");
    },
    async stop(): Promise<void> {
      if (!server) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
  };
}
