import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "../log.js";
import type { Metrics } from "./metrics.js";
import type { CallbackRequest, CallbackResponse } from "../sources/websub/subscriber.js";

/** A pushed feed is no bigger than a fetched one may be. */
const MAX_CALLBACK_BYTES = 20 * 1024 * 1024;
const CALLBACK_PATH = /(?:^|\/)websub\/([A-Za-z0-9_-]{1,64})$/;

export interface Health {
  readonly ok: boolean;
  /** Why the bot is not healthy; empty when it is. */
  readonly reasons: readonly string[];
  readonly details: Record<string, unknown>;
}

export interface OpsServerDeps {
  readonly host: string;
  readonly port: number;
  readonly health: () => Promise<Health>;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** WebSub callbacks (`…/websub/<id>`), when a public URL is configured. */
  readonly websub?: { handle(req: CallbackRequest): CallbackResponse };
}

/**
 * The optional HTTP listener for operators: GET /healthz (200 when online and in every room,
 * 503 with the reasons otherwise; a JSON body either way) and GET /metrics (Prometheus text);
 * with WebSub, also the hubs' callbacks (GET verification, POST content) under `…/websub/<id>`.
 */
export function createOpsServer(deps: OpsServerDeps) {
  let server: Server | undefined;
  return {
    async start(): Promise<void> {
      server = createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://herald.invalid");
        const path = url.pathname;
        const callback = deps.websub && CALLBACK_PATH.exec(path);
        if (deps.websub && callback) {
          void answerCallback(deps.websub, req, res, callback[1]!, url.searchParams, deps.log);
          return;
        }
        if (req.method !== "GET" && req.method !== "HEAD") {
          res.writeHead(405, { allow: "GET, HEAD" }).end();
          return;
        }
        if (path === "/healthz") {
          deps.health().then(
            (health) =>
              res
                .writeHead(health.ok ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" })
                .end(JSON.stringify({ status: health.ok ? "ok" : "unavailable", reasons: health.reasons, ...health.details })),
            (err: unknown) => {
              deps.log.error({ err }, "health check failed");
              res.writeHead(500).end();
            },
          );
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
        res.writeHead(404, { "content-type": "text/plain" }).end(`Herald serves /healthz and /metrics${deps.websub ? " (and WebSub callbacks)" : ""}\n`);
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

async function answerCallback(
  websub: { handle(req: CallbackRequest): CallbackResponse },
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  query: URLSearchParams,
  log: Logger,
): Promise<void> {
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_CALLBACK_BYTES) {
        res.writeHead(413, { "content-type": "text/plain" }).end("larger than 20 MB\n");
        req.destroy();
        return;
      }
      chunks.push(chunk);
    }
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    const answer = websub.handle({ method: req.method ?? "GET", id, query, headers, body: Buffer.concat(chunks) });
    res.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body ?? "");
  } catch (err) {
    log.error({ err }, "WebSub callback failed");
    if (!res.headersSent) res.writeHead(500).end();
  }
}
